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
);

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

/** An IPv4 CIDR block in canonical form (host bits zero), e.g. `10.0.0.0/16`. */
export const ipv4Cidr = z.string().superRefine((value, ctx) => {
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

const SSH_PUBLIC_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521) [A-Za-z0-9+/]+={0,3}( [^\n]*)?$/;

/** An OpenSSH public key line. Refuses private keys loudly, since pasting the wrong half is a classic leak. */
export const sshPublicKey = z.string().superRefine((value, ctx) => {
  if (value.includes("PRIVATE KEY")) {
    ctx.addIssue({
      code: "custom",
      message: "is a PRIVATE key; put the public key here (the .pub file) and keep the private key in a CI secret",
    });
    return;
  }
  if (!SSH_PUBLIC_KEY.test(value.trim())) {
    ctx.addIssue({
      code: "custom",
      message: "must be an OpenSSH public key line such as 'ssh-ed25519 AAAA... user@host' (the content of a .pub file)",
    });
  }
});
