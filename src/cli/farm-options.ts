/** `--queue` and `--store`: the render farm options `serve`, `mcp` and `worker` share (README, "Render farm"). */
import type { Command } from 'commander';

export interface FarmOptionValues {
  queue?: string;
  store?: string;
}

export function addFarmOptions(command: Command): Command {
  return command
    .option('--queue <url>', 'render on a farm: its BullMQ queue, redis://host:6379 (RENDERBAY_QUEUE)', undefined)
    .option('--store <url>', "the farm's object store, s3://bucket/prefix or file:///folder; endpoint and credentials from the AWS_* variables (RENDERBAY_STORE)", undefined);
}
