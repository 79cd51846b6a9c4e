import { z } from '@hono/zod-openapi';
import type { ApiKey } from '../store/api-keys.ts';

/** An API key as listed: never the key itself nor its hash. */
export const ApiKeySchema = z
  .object({
    id: z.string().openapi({ example: 'key_01jd3x9q0000000000000000000' }),
    object: z.literal('api_key'),
    name: z.string().nullable(),
    prefix: z.string().openapi({ description: 'The first characters of the key', example: 'sk_AbCd' }),
    createdAt: z.string(),
  })
  .openapi('ApiKey');

export const CreateApiKeySchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100).optional().openapi({ example: 'checkout server' }),
  })
  .openapi('CreateApiKey');

export const toApiKeyResource = (key: ApiKey): z.infer<typeof ApiKeySchema> => ({
  id: key.id,
  object: 'api_key',
  name: key.name,
  prefix: key.prefix,
  createdAt: key.createdAt.toISOString(),
});
