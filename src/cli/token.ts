// Prints an HS256 token the service accepts, for curl and local testing:
//   npm run token -- --user 42 [--role admin|user] [--expires-in 1h] [--secret ...]
// The secret is --secret, else JWT_SECRET (environment, then .env), else the development default.
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SignJWT } from 'jose';
import { ConfigError, loadTokenConfig } from '../config.js';
import { developmentJwtSecret } from '../dev-secret.js';

const usage =
  'usage: npm run token -- --user <positive integer> [--role admin|user] ' +
  '[--expires-in <n>[s|m|h|d]] [--secret <secret>]';

function fail(message: string): never {
  process.stderr.write(`token: ${message}\n${usage}\n`);
  process.exit(2);
}

function parseOptions() {
  try {
    return parseArgs({
      options: {
        user: { type: 'string' },
        role: { type: 'string', default: 'user' },
        'expires-in': { type: 'string', default: '1h' },
        secret: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
}

const secondsPerUnit = new Map([
  ['', 1],
  ['s', 1],
  ['m', 60],
  ['h', 3600],
  ['d', 86_400],
]);

function secondsOf(expiresIn: string): number {
  const match = /^([1-9][0-9]*)([smhd]?)$/.exec(expiresIn);
  const amount = match?.[1];
  const perUnit = secondsPerUnit.get(match?.[2] ?? 'none');
  if (amount === undefined || perUnit === undefined) {
    return fail(`--expires-in must look like 3600, 30m, 1h or 7d, not "${expiresIn}"`);
  }
  return Number(amount) * perUnit;
}

// process.loadEnvFile keeps variables that are already set, so the real environment wins.
if (existsSync('.env')) process.loadEnvFile('.env');

const options = parseOptions();
const user = options.user;
if (user === undefined) fail('--user is required');
if (!/^[1-9][0-9]*$/.test(user) || !Number.isSafeInteger(Number(user))) {
  fail(`--user must be a positive integer, not "${user}"`);
}
const role = options.role;
if (role !== 'admin' && role !== 'user') fail(`--role must be admin or user, not "${role}"`);
if (options.secret === '') fail('--secret must not be empty');
const config = (() => {
  try {
    return loadTokenConfig();
  } catch (error) {
    if (error instanceof ConfigError) fail(error.problems.join('; '));
    throw error;
  }
})();
const secret = options.secret ?? config.jwtSecret ?? developmentJwtSecret;
const { issuer, audience } = config;

const issuedAt = Math.floor(Date.now() / 1000);
let jwt = new SignJWT({ role })
  .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
  .setSubject(user)
  .setIssuedAt(issuedAt)
  .setExpirationTime(issuedAt + secondsOf(options['expires-in']));
if (issuer !== undefined) jwt = jwt.setIssuer(issuer);
if (audience !== undefined) jwt = jwt.setAudience(audience);

process.stdout.write(`${await jwt.sign(new TextEncoder().encode(secret))}\n`);
