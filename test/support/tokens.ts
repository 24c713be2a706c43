import { SignJWT } from 'jose';

export const testJwtSecret = 'test-secret-for-the-order-service-suite-0123456789';

let nextUserId = 1_000_000 + Math.floor(Math.random() * 1_000_000_000);

/** A user id no other test uses: each test owns its data. */
export const uniqueUserId = (): number => (nextUserId += 1);

export type TestUser = { id: number; role: 'admin' | 'user'; token: string };

export async function tokenFor(
  id: number,
  role: 'admin' | 'user' = 'user',
  options: { secret?: string; expiresIn?: string } = {},
): Promise<string> {
  return new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(String(id))
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '10m')
    .sign(new TextEncoder().encode(options.secret ?? testJwtSecret));
}

export async function newUser(role: 'admin' | 'user' = 'user'): Promise<TestUser> {
  const id = uniqueUserId();
  return { id, role, token: await tokenFor(id, role) };
}
