import type { z } from 'zod';
import { ValidationError } from '../domain/errors.js';

/** Parses untrusted input with a strict schema; failures become 400 with field paths. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  where: 'body' | 'query' | 'params' | 'headers',
  pathPrefix = '',
): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const pathOf = (segments: readonly PropertyKey[]): string => {
    const path = [pathPrefix, ...segments.map(String)].filter((part) => part !== '').join('.');
    return path === '' ? where : path;
  };
  const errors = result.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: pathOf([...issue.path, key]), message: 'unknown field' }))
      : [{ path: pathOf(issue.path), message: issue.message }],
  );
  const message =
    where === 'params' ? 'The path parameter is not valid.' : `The request ${where} is not valid.`;
  throw new ValidationError(errors, message);
}
