// What the command prints for an error: its message, led by the system call and code
// when the message does not say them. Node writes "listen EADDRINUSE: address already in
// use …"; Bun's http server "Failed to start server. Is port … in use?" with the same
// code, so a script reading stderr sees `listen EADDRINUSE` on every runtime.

export function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, syscall } = error as Error & { code?: unknown; syscall?: unknown };
  if (typeof code !== 'string' || typeof syscall !== 'string') return error.message;
  const lead = `${syscall} ${code}`;
  return error.message.startsWith(lead) ? error.message : `${lead}: ${error.message}`;
}
