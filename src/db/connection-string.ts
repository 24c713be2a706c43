/** A postgres:// URL from DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD, each escaped. */
export function connectionStringFromFields(fields: {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string | undefined;
}): string {
  const url = new URL('postgres://localhost');
  url.hostname = fields.host;
  url.port = String(fields.port);
  url.pathname = `/${encodeURIComponent(fields.database)}`;
  url.username = encodeURIComponent(fields.user);
  if (fields.password !== undefined) url.password = encodeURIComponent(fields.password);
  return url.href;
}
