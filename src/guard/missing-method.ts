/**
 * What the runtime throws when an object has no such method. During a deploy the runtime may defer a
 * busy object's code update for minutes, so an isolate of the new version can call an object still on
 * the previous one; this error comes before the object runs anything, so the caller may fall back to a
 * method the previous version has without doing anything twice.
 */
export function isMissingMethod(err: unknown): boolean {
  return err instanceof Error && err.name === 'TypeError' && err.message.includes('RPC receiver does not implement');
}
