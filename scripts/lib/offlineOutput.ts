/**
 * A TOKEN authorizer answers 401 by failing with `Unauthorized` (the Lambda contract), which
 * serverless-offline prints as "Unhandled exception in handler 'authorizer'." and the error's
 * stack. For the local stack that is a rejected token, which the authorizer has already logged
 * ("Token rejected", with the reason). This line filter drops that noise, the stack included, and
 * lets every other exception through whole. One filter per output stream.
 */
export function withoutRejectedTokenNoise(): (line: string) => string[] {
  let held: string | undefined;
  let inRejection = false;
  const next = (line: string): string[] => {
    if (held !== undefined) {
      const unhandled = held;
      held = undefined;
      if (/Error: Unauthorized\s*$/.test(line)) {
        inRejection = true;
        return [];
      }
      return [unhandled, ...next(line)];
    }
    if (inRejection) {
      if (/^\s+at /.test(line)) return [];
      inRejection = false;
    }
    if (/Unhandled exception in handler '[^']+'\.\s*$/.test(line)) {
      held = line;
      return [];
    }
    return [line];
  };
  return next;
}
