/**
 * Every limit Renderbay enforces, in one place, so that validation, documentation and
 * error messages cannot drift apart. All limits are checked before any expensive work.
 */
export const LIMITS = {
  /** Largest model file accepted (bytes). */
  maxModelBytes: 100 * 1024 * 1024,
  /** How long a signed upload URL of the Glossi-compatible API stays valid (seconds; Glossi's S3 URLs: 1 hour). */
  uploadUrlTtlSeconds: 3600,
  /** Most model records or projects one Glossi-compatible request creates, and most projects one render request names. */
  maxCompatBatch: 100,
  /** Largest image the 3Dimensions surface stores or restyles (bytes, decoded; its JSON may carry it as base64). */
  maxCompatImageBytes: 20 * 1024 * 1024,
  /** How long POST /compat/3dimensions/api/v1/renders blocks before answering `status: "processing"` (seconds; as documented, 300). */
  compatRenderWaitSeconds: 300,
  /** A texture's declared width or height above this is refused before decoding. */
  maxTextureSide: 16384,
  /** A texture's declared pixel count above this is refused before decoding (256 MP). */
  maxTexturePixels: 16384 * 16384,
  /** Textures are resampled to a power of two no larger than this before upload (WebGL 1). */
  maxUploadTextureSide: 4096,
  /** Most meshes/primitives a model may contain. */
  maxPrimitives: 20000,
  /** A worker that reports no progress for this long is considered hung and is killed (ms). */
  workerStallTimeoutMs: 120_000,
  /** Frames per second of every video output. */
  fps: 30,
  /** Total time budget for downloading a model from a URL: DNS, connect, every redirect and the body (ms). */
  urlDownloadTimeoutMs: 120_000,
  /** Most HTTP redirects followed when downloading a model from a URL (each hop is re-checked). */
  maxUrlRedirects: 5,
  /** Heap of the worker thread each outgoing HTTP request runs in (MB); bodies are Buffers, outside it. */
  fetcherHeapMb: 64,
  /** Longest file name kept from a download's Content-Disposition or URL path (characters). */
  maxDownloadFilenameLength: 200,
  /** Largest value of one text field in a multipart upload (bytes). */
  uploadFieldBytes: 64 * 1024,
  /** Most text fields in one multipart upload. */
  uploadFields: 20,
  /** After refusing an upload, at most this much of the rest of its body is read and dropped
   *  (so the client sees the error, not a reset) before the connection is cut (bytes). */
  uploadDiscardBytes: 64 * 1024 * 1024,
  /** …and for at most this long (ms). */
  uploadDiscardMs: 10_000,
  /** Most entries (files and folders) a model archive (.zip) may list; checked before anything is extracted. */
  maxArchiveEntries: 1000,
  /** Most bytes a model archive may expand to, all entries together; checked on the declared sizes and again while inflating. */
  maxArchiveUncompressedBytes: 512 * 1024 * 1024,
  /** Highest expansion ratio (uncompressed ÷ compressed) of one archive entry larger than `archiveRatioFloorBytes`. */
  maxArchiveCompressionRatio: 100,
  /** Entries smaller than this are exempt from the ratio check (a tiny .mtl compresses very well). */
  archiveRatioFloorBytes: 1024 * 1024,
  /** Longest path of an entry inside a model archive (characters). */
  maxArchiveEntryNameLength: 255,
  /** Time budget for turning an upload into the stored GLB: unpack, convert, validate, normalise (ms). */
  ingestTimeoutMs: 180_000,
  /** Heap limit of the ingest worker thread (MB); a model that needs more is refused instead of exhausting the server. */
  ingestWorkerHeapMb: 4096,
  /** How long an ingest worker thread that answered waits for the next task before it ends (ms): uploads often come in bursts. */
  ingestWorkerIdleMs: 30_000,
  /** Deepest nesting of arrays and objects in a model's glTF JSON (real models stay far below; the validator overflows its stack on thousands). */
  maxGltfJsonDepth: 128,
  /** Most validator messages kept on a model (the counts always cover all of them). */
  maxValidationMessages: 100,
  /** Longest side of a texture written into a USDZ (AR Quick Look's memory budget is small); larger ones are downscaled. */
  maxUsdzTextureSide: 2048,
  /** Largest overlay image accepted by POST /overlays and upload_overlay (bytes). */
  maxOverlayBytes: 10 * 1024 * 1024,
  /** Largest environment image (HDR/EXR panorama) accepted by POST /environments (bytes). */
  maxEnvironmentBytes: 64 * 1024 * 1024,
  /** An environment image's declared width or height above this is refused before decoding. */
  maxEnvironmentSide: 8192,
  /** An environment image's declared pixel count above this is refused before decoding (it decodes to 16 bytes a pixel). */
  maxEnvironmentPixels: 8192 * 4096,
  /** Largest file an MCP client may send inline as base64 (upload_overlay, upload_environment); the SDK refuses HTTP messages over 4 MB, and base64 adds a third. */
  mcpInlineFileBytes: 2 * 1024 * 1024,
  /** Most templates one account keeps (built-ins not counted). */
  maxTemplatesPerAccount: 1000,
  /** Most URLs one ingest_model call imports, and most renders one wait_for_renders call watches. */
  mcpMaxItems: 100,

  // Connections of `renderbay serve` (README, "Connections and timeouts"). The request-phase
  // limits (headers, body rate) end when the request has arrived: a response may take as long as
  // it needs (MCP waits, `Prefer: wait`, SSE, blocking calls, downloads to slow readers).
  /** Connections held at once; also lowered to fit the process's file-descriptor limit (see `httpFdReserve`). */
  httpMaxConnections: 512,
  /** File descriptors kept free for the database, renderer workers and ffmpeg when the connection cap is fitted
   *  under the process's descriptor limit (a serve process uses about 25 at rest); each connection counts two. */
  httpFdReserve: 64,
  /** Time from a request's first byte to the end of its headers (ms). */
  httpHeadersTimeoutMs: 20_000,
  /** A request body must arrive at least this fast, measured over `httpBodyRateWindowMs` (bytes/s):
   *  16 KB/s brings 100 MB in under 2 hours, and a body that stalls is cut within the window. */
  httpMinBodyBytesPerSecond: 16 * 1024,
  /** The sliding window the body rate is measured over (ms); also the grace before the first byte. */
  httpBodyRateWindowMs: 30_000,
  /** How long a connection may stay open between requests (ms); Node's keepAliveTimeout. */
  httpKeepAliveTimeoutMs: 5_000,
  /** Inactivity (no byte either way) that ends a connection while a request or response is under way (ms):
   *  above the longest silent wait a response may have (a 300 s blocking call), so it only ends dead peers.
   *  Streams that can be silent longer (SSE) send a comment line every ~15 s. */
  httpIdleTimeoutMs: 330_000,
  /** A request body that has arrived slower than the minimum rate for this long may give its connection's place
   *  to a new connection when the cap is reached (ms); connections waiting for a request give theirs first. */
  httpEvictionGraceMs: 1_000,

  // Webhooks (README, "Webhooks").
  /** Webhooks one account may register. */
  maxWebhooksPerAccount: 20,
  /** Longest webhook URL (characters). */
  maxWebhookUrlLength: 2048,
  /** Time a receiver gets to answer one delivery attempt: connect, request and response (ms). */
  webhookTimeoutMs: 10_000,
  /** First retry delay after a failed attempt; each further one doubles, up to `webhookRetryMaxMs` (ms). */
  webhookRetryBaseMs: 10_000,
  /** Longest delay between two attempts (ms). */
  webhookRetryMaxMs: 3_600_000,
  /** A delivery is retried until an attempt fails this long after the event (ms): at least 24 h of tries. */
  webhookRetryWindowMs: 24 * 3_600_000,
  /** Delivery attempts in flight at once per server, and per webhook (a slow receiver cannot take every slot). */
  webhookConcurrentDeliveries: 8,
  webhookConcurrentPerWebhook: 2,
  /** Largest receiver answer read (bytes); only its status matters. */
  webhookResponseBytes: 64 * 1024,
  /** Finished deliveries (succeeded or failed) are kept this long for GET /webhooks/:id/deliveries (ms). */
  webhookDeliveryRetentionMs: 30 * 24 * 3_600_000,

  /** Most model ids one POST /models/status call checks. */
  maxModelStatusIds: 100,
  /** Longest `Prefer: wait=<seconds>` honoured on POST /renders; 1 is the shortest. */
  maxPreferWaitSeconds: 120,

  // Signed asset URLs and embeds (README, "Share pages and embeds").
  /** Shortest and longest lifetime of a signed URL (`GET /renders/:id/embed?ttl=`), in seconds. */
  signedUrlMinTtlSeconds: 60,
  signedUrlMaxTtlSeconds: 30 * 24 * 3600,
  /** Lifetime of the signed URLs `embed` gives without `ttl`, and MCP `download_render` over HTTP gives. */
  signedUrlDefaultTtlSeconds: 7 * 24 * 3600,
  /** A portal sign-in lasts this long (s), unless its key is revoked or expires first, or the person signs out. */
  portalSessionSeconds: 7 * 24 * 3600,
  /** Largest portal form body (bytes): an API key and a CSRF token. */
  portalFormBytes: 8 * 1024,
  /** The portal's event stream sends a comment this often (ms) so that idle proxies keep it open. */
  portalEventsHeartbeatMs: 15_000,
  /** Longest `url` `GET /portal/oembed` reads (characters). */
  maxOembedUrlLength: 2048,

  // Generation providers (README, "Generation providers").
  /** Longest prompt sent to a text-to-image or restyle provider (characters). */
  maxGenerationPromptLength: 1000,
  /** Longest architectural style a restyle names (characters). */
  maxArchitecturalStyleLength: 100,
  /** Generated and restyled images are kept as JPEG with their long side at most this (px). */
  maxGeneratedImageSide: 4096,
  /** Largest input image for a generation or restyle (bytes), and largest image a provider may return. */
  maxGenerationImageBytes: 20 * 1024 * 1024,
  /** Largest video an image-to-video provider may return (bytes). */
  maxGeneratedVideoBytes: 200 * 1024 * 1024,
  /** Largest JSON answer read from a provider's API (bytes); an image in base64 fits in it. */
  maxProviderAnswerBytes: 40 * 1024 * 1024,
  /** Bytes of a provider's error answer read for its message. */
  providerErrorBodyBytes: 16 * 1024,
  /** Time one request to a provider may take, its body included (ms). */
  providerRequestTimeoutMs: 120_000,
  /** Time a whole provider task may take (create, poll, download) before the job fails (ms). */
  providerTaskTimeoutMs: 15 * 60_000,
  /** Attempts per provider request when it answers 429 / 5xx or the connection fails (a create call: 429 only). */
  providerMaxAttempts: 3,
  /** Longest Retry-After honoured (ms); a provider asking for longer fails the call. */
  providerMaxRetryAfterMs: 60_000,
  /** Polling a provider task: the first look after this long (ms), doubling up to providerPollMaxMs. */
  providerPollFirstMs: 250,
  providerPollMaxMs: 5_000,
  /** A generation or restyle whose runner has not been heard from for this long was interrupted (ms): failed and refunded. */
  generationHeartbeatStaleMs: 60_000,
  // The render farm (README, "Render farm").
  /** Passes the control plane keeps on the farm's queue at once (its `--concurrency` default on a farm). */
  farmPassesInFlight: 32,
  /** A worker's lock on a pass lasts this long unless renewed (ms); a worker silent for longer has stalled and the pass is retried elsewhere. */
  farmLockMs: 15_000,
  /** How often workers look for stalled passes, and the control plane for passes Redis lost (ms). */
  farmCheckMs: 2_000,
  /** A worker's entry in `renderbay status` disappears this long after its last heartbeat (s). */
  farmWorkerTtlSeconds: 30,
  /** Object store: connecting, and one request, give up after this long (ms); the SDK tries 3 times. */
  storeConnectTimeoutMs: 5_000,
  storeRequestTimeoutMs: 120_000,
  /** `--store-presign-seconds`: presigned asset URLs live this long (S3's SigV4 allows at most 7 days). */
  storePresignMinSeconds: 10,
  storePresignMaxSeconds: 604_800,
  /** A redirect to a presigned URL is cached at most this long (and never past half the URL's life). */
  storeRedirectMaxAgeSeconds: 60,
} as const;
