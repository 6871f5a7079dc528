/** `--queue` and `--store`: the render farm options `serve`, `mcp` and `worker` share (README, "Render farm"). */
import type { Command } from 'commander';

export interface FarmOptionValues {
  queue?: string;
  store?: string;
  storePresignSeconds?: string;
}

export function addFarmOptions(command: Command): Command {
  return command
    .option('--queue <url>', 'render on a farm: its BullMQ queue, redis://host:6379 (RENDERBAY_QUEUE)', undefined)
    .option('--store <url>', "the farm's object store, s3://bucket/prefix or file:///folder; endpoint and credentials from the AWS_* variables (RENDERBAY_STORE)", undefined);
}

/** `serve` only: downloads of stored assets redirect to presigned URLs of the object store. */
export function addStorePresignOption(command: Command): Command {
  return command.option(
    '--store-presign-seconds <seconds>',
    "on a farm, answer asset downloads with a 302 to a presigned URL of the object store valid this long, instead of streaming them (RENDERBAY_STORE_PRESIGN_SECONDS; default stream)",
    undefined,
  );
}
