/** Order statistics for benchmark samples (nearest rank; the input is not modified). */
export function percentile(values: readonly number[], share: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * share))];
}

export const median = (values: readonly number[]): number => percentile(values, 0.5);
