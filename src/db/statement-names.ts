/**
 * The names of the repositories' statements by their SQL text. Sent unnamed (not prepared: see
 * DB_PREPARED_STATEMENTS in db/pool.ts), a statement would lose its name in traces; the pool
 * records it here and the pg instrumentation's request hook (tracing.ts) names the span with it.
 * No imports: tracing.ts loads before pg, which must not load before it is instrumented.
 */
const names = new Map<string, string>();

export function rememberStatementName(text: string, name: string): void {
  if (!names.has(text)) names.set(text, name);
}

export const statementNameOf = (text: string): string | undefined => names.get(text);
