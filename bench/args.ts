/**
 * Walks a benchmark's command-line arguments: `onArg` gets each one and a `value()` that
 * takes the next argument as that flag's value (throwing "--flag needs a value" at the end).
 */
export function eachArg(args: string[], onArg: (arg: string, value: () => string) => void): void {
  for (let index = 0; index < args.length; index++) {
    const arg = args[index];
    onArg(arg, () => {
      const next = args[++index];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    });
  }
}
