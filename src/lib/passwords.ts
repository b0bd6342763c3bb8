// Password hashing (argon2id at OWASP's parameters) and the password policy. Verification and
// hashing go through a semaphore owned by the caller so a burst of sign-ins cannot exhaust the CPU.
import { Algorithm, hash, verify } from '@node-rs/argon2';
import commonPasswords from 'fxa-common-password-list';
import { ValidationError } from './errors';

// OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1.
const ARGON2 = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

// Passwords common on Chinese-speaking sites that English lists miss.
const COMMON_ZH = new Set(['woaini1314', 'woaini520', 'qq123456', 'a123456789', '5201314520', 'iloveyou1314', 'zxcvbnm123', 'asd123456', 'qwe123456', 'abc123456']);

export function checkPasswordPolicy(password: string, context: { email?: string } = {}, field = 'password'): void {
  if (password.length < PASSWORD_MIN) throw ValidationError.field(field, 'minLength', `must have at least ${PASSWORD_MIN} characters`, { limit: PASSWORD_MIN });
  if (password.length > PASSWORD_MAX) throw ValidationError.field(field, 'maxLength', `must have at most ${PASSWORD_MAX} characters`, { limit: PASSWORD_MAX });
  const lower = password.toLowerCase();
  if (commonPasswords.test(password) || commonPasswords.test(lower) || COMMON_ZH.has(lower) || /^(.)\1+$/.test(password) || /^(0123456789|1234567890|12345678|87654321)/.test(password)) {
    throw ValidationError.field(field, 'common', 'is one of the most common passwords; choose another', {});
  }
  if (context.email && lower === context.email.toLowerCase()) throw ValidationError.field(field, 'common', 'must not be your email address', {});
}

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

// Verified against when the account does not exist, so the answer takes as long either way.
let dummyHash: Promise<string> | undefined;

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (!passwordHash) {
    dummyHash ??= hashPassword('kehu-dummy-password-for-timing');
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}
