/**
 * Value formats shared by the configuration schema: each is a zod type whose error message says what is
 * expected, so a bad value reads as "what we want" next to "what we got".
 */
import { z } from "zod";

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A lowercase DNS name with at least two labels, e.g. `kkp.example.com`. */
export const dnsName = z.string().refine(
  (value) => value.length <= 253 && value.split(".").length >= 2 && value.split(".").every((l) => DNS_LABEL.test(l)),
  { error: "must be a lowercase DNS name with at least two labels, such as kkp.example.com (no scheme, no trailing dot)" },
).meta({ pattern: `^(${DNS_LABEL.source.slice(1, -1)}\\.)+${DNS_LABEL.source.slice(1, -1)}$`, maxLength: 253 });

/** An e-mail address as Let's Encrypt and Dex accept it, e.g. `admin@example.com`. */
export const email = z
  .string()
  .regex(/^[A-Za-z0-9._%+-]+@[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, {
    error: "must be an e-mail address such as admin@example.com",
  });

/** A short lowercase name usable in every cloud's resource names. */
export function resourceName(maxLength: number) {
  return z
    .string()
    .regex(new RegExp(`^[a-z]([a-z0-9-]{0,${maxLength - 2}}[a-z0-9])?$`), {
      error: `must be 1-${maxLength} lowercase letters, digits or '-', starting with a letter and not ending with '-'`,
    });
}

/** Parses `a.b.c.d/n` into a 32-bit network address and prefix length; undefined when malformed. */
export function parseCidr(value: string): { address: number; prefix: number } | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!match) return undefined;
  const octets = match.slice(1, 5).map(Number);
  const prefix = Number(match[5]);
  if (octets.some((o) => o > 255) || prefix > 32) return undefined;
  const address = octets.reduce((acc, o) => acc * 256 + o, 0);
  return { address, prefix };
}

/** Formats a 32-bit address and prefix as `a.b.c.d/n`. */
export function formatCidr(address: number, prefix: number): string {
  const octets = [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256);
  return `${octets.join(".")}/${prefix}`;
}

/** The network address of a CIDR with its host bits cleared. */
export function canonicalCidr(address: number, prefix: number): string {
  const size = 2 ** (32 - prefix);
  return formatCidr(Math.floor(address / size) * size, prefix);
}

/** Whether two IPv4 CIDR blocks share an address; false when either is malformed (it has its own message). */
export function cidrsOverlap(a: string, b: string): boolean {
  const [x, y] = [parseCidr(a), parseCidr(b)];
  if (!x || !y) return false;
  const start = (c: { address: number; prefix: number }) => Math.floor(c.address / 2 ** (32 - c.prefix)) * 2 ** (32 - c.prefix);
  const end = (c: { address: number; prefix: number }) => start(c) + 2 ** (32 - c.prefix) - 1;
  return start(x) <= end(y) && start(y) <= end(x);
}

/** An IPv4 CIDR block in canonical form (host bits zero), e.g. `10.0.0.0/16`. */
const OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
export const ipv4Cidr = z.string().meta({ pattern: `^(${OCTET}\\.){3}${OCTET}/(3[0-2]|[12]?[0-9])$` }).superRefine((value, ctx) => {
  const parsed = parseCidr(value);
  if (!parsed) {
    ctx.addIssue({ code: "custom", message: "must be an IPv4 CIDR block such as 10.0.0.0/16 or 203.0.113.7/32" });
    return;
  }
  const canonical = canonicalCidr(parsed.address, parsed.prefix);
  if (canonical !== value) {
    ctx.addIssue({ code: "custom", message: `has host bits set; write the network address ${canonical}` });
  }
});

/** Key types OpenSSH writes to a .pub file that a CI job can use: security-key (`sk-`) types need the hardware at hand. */
export const SSH_KEY_TYPES = ["ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521"] as const;
export type SshKeyType = (typeof SSH_KEY_TYPES)[number];

/** RSA keys shorter than this are refused; ssh-keygen's default is 3072 bits. */
export const MIN_RSA_BITS = 2048;

/** The length of an uncompressed curve point (0x04 || X || Y) per ECDSA curve, as RFC 5656 encodes it. */
const ECDSA_POINT_BYTES: Readonly<Record<string, number>> = { nistp256: 65, nistp384: 97, nistp521: 133 };

/** A parsed OpenSSH public key: its type and, for RSA, the modulus size. */
export interface SshPublicKey {
  readonly type: SshKeyType;
  readonly bits?: number;
}

/**
 * Parses one OpenSSH public key line (`<type> <base64 key blob> [comment]`), reading the blob as RFC 4253 and
 * RFC 5656 lay it out: the type again, then the key's fields. Returns the key, or what is wrong with it as a
 * sentence that follows the setting's name.
 */
export function parseSshPublicKey(value: string): SshPublicKey | { readonly error: string } {
  const line = value.trim();
  if (line.includes("PRIVATE KEY")) {
    return { error: "is a PRIVATE key; put the public key here (the .pub file) and keep the private key in a CI secret" };
  }
  if (/[\r\n]/.test(line)) return { error: "spans several lines; a public key is one line, the whole content of the .pub file" };
  const [type, blob] = line.split(/\s+/);
  if (type?.startsWith("sk-")) {
    return { error: `is a security-key type (${type}), which needs its hardware key at every login; a CI job has none, so use an ssh-ed25519 key` };
  }
  if (!(SSH_KEY_TYPES as readonly string[]).includes(type ?? "") || blob === undefined) {
    return { error: "must be an OpenSSH public key line such as 'ssh-ed25519 AAAA... user@host' (the content of a .pub file)" };
  }
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(blob) || blob.length % 4 !== 0) {
    return { error: `has key data that is not base64 of whole length (${blob.length} characters); paste the whole line of the .pub file` };
  }
  const fields = readSshFields(Buffer.from(blob, "base64"));
  const damaged = { error: "has key data that is truncated or damaged; paste the whole line of the .pub file again" };
  const [blobType, ...rest] = fields ?? [];
  if (!blobType) return damaged;
  if (blobType.toString("latin1") !== type) {
    return { error: `says ${type}, but its key data is of type ${JSON.stringify(blobType.toString("latin1"))}; paste the .pub file's line unchanged` };
  }
  const keyType = type as SshKeyType;
  switch (keyType) {
    case "ssh-ed25519":
      return rest.length === 1 && rest[0].length === 32 ? { type: keyType } : damaged;
    case "ssh-rsa": {
      if (rest.length !== 2) return damaged;
      const bits = mpintBits(rest[1]);
      if (bits < MIN_RSA_BITS) {
        return { error: `is an RSA key of ${bits} bits; use an ssh-ed25519 key, or an RSA key of at least ${MIN_RSA_BITS} bits (ssh-keygen -t ed25519)` };
      }
      return { type: keyType, bits };
    }
    default: {
      const curve = keyType.slice("ecdsa-sha2-".length);
      const point = rest[1];
      const valid = rest.length === 2 && rest[0].toString("latin1") === curve && point.length === ECDSA_POINT_BYTES[curve] && point[0] === 4;
      return valid ? { type: keyType } : damaged;
    }
  }
}

/** Splits an SSH wire-format blob into its length-prefixed fields; undefined when a length runs past the end. */
function readSshFields(blob: Buffer): Buffer[] | undefined {
  const fields: Buffer[] = [];
  let offset = 0;
  while (offset < blob.length) {
    if (offset + 4 > blob.length) return undefined;
    const length = blob.readUInt32BE(offset);
    offset += 4;
    if (offset + length > blob.length) return undefined;
    fields.push(blob.subarray(offset, offset + length));
    offset += length;
  }
  return fields;
}

/** The bit length of a non-negative SSH mpint (big-endian, with a leading zero byte when the top bit is set). */
function mpintBits(value: Buffer): number {
  let start = 0;
  while (start < value.length && value[start] === 0) start++;
  if (start === value.length) return 0;
  return (value.length - start - 1) * 8 + value[start].toString(2).length;
}

/** An OpenSSH public key line, parsed in full. Refuses private keys loudly, since pasting the wrong half is a classic leak. */
export const sshPublicKey = z
  .string()
  .superRefine((value, ctx) => {
    const parsed = parseSshPublicKey(value);
    if ("error" in parsed) ctx.addIssue({ code: "custom", message: parsed.error });
  })
  .meta({ pattern: `^(${SSH_KEY_TYPES.join("|")}) [A-Za-z0-9+/]+={0,2}( .*)?$` });

/** ` (did you mean x?)` for the known values nearest `value`, within two edits; else nothing. */
export function didYouMean(value: string, known: readonly string[]): string {
  const distances = known.map((candidate) => editDistance(candidate, value));
  const best = Math.min(...distances);
  const near = best <= 2 ? known.filter((_, index) => distances[index] === best) : [];
  return near.length > 0 ? ` (did you mean ${near.join(" or ")}?)` : "";
}

/** Levenshtein distance between two strings: near misses in messages (a setting, a region). */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
