/** The text docker prints for a failure: daemon replies get "Error response from daemon: ". */
import { isApiError } from '../client/api-error.ts';

export function errorText(e: unknown): string {
  if (isApiError(e)) return `Error response from daemon: ${e.message}`;
  return e instanceof Error ? e.message : String(e);
}
