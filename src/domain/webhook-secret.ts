import { randomBytes } from 'node:crypto';

/**
 * 32 random bytes: Standard Webhooks asks for at least 24 (192 bits), and RFC 2104 §3 discourages
 * HMAC keys shorter than the hash output, which is 32 bytes for SHA-256.
 */
const SECRET_BYTES = 32;

/**
 * `whsec_` + standard, padded base64: the serialization Standard Webhooks defines and the only one
 * `standardwebhooks` decodes (it strips `whsec_` and rejects unpadded or URL-safe base64).
 */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(SECRET_BYTES).toString('base64')}`;
}

/**
 * After a roll, the previous secret keeps signing beside the new one for this long, so a merchant
 * can deploy the new secret without dropping a webhook (Standard Webhooks allows several
 * signatures in one `webhook-signature` header). A second roll within it keeps only the latest
 * previous secret.
 */
export const WEBHOOK_SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;

/** The associated data a previous secret is sealed under: never opens as the current one. */
export const previousSecretRowId = (endpointId: string) => `${endpointId}#previous`;
