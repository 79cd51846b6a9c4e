import { describe, expect, it } from 'vitest';
import { describeDeliveryError, MAX_DELIVERY_ERROR_LENGTH } from './describe-delivery-error.ts';

const signature = 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=';

describe('describeDeliveryError', () => {
  it("rewords request-filtering-agent's refusals", () => {
    const direct = new Error(
      'DNS lookup 127.0.0.1(family:undefined, host:undefined) is not allowed. Because, It is private IP address.',
    );
    expect(describeDeliveryError(direct, [])).toBe(
      'refused to connect to 127.0.0.1: not a public address, and private webhook URLs are not allowed',
    );
    const resolved = new Error(
      'DNS lookup 0.0.0.0(family:4, host:zero.example) is not allowed. Because, It is meta IP address.',
    );
    expect(describeDeliveryError(resolved, [])).toBe(
      'refused to connect to zero.example (0.0.0.0): the unspecified address is never allowed',
    );
  });

  it('keeps a system error code', () => {
    const error = Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' });
    expect(describeDeliveryError(error, [])).toBe('CERT_HAS_EXPIRED: certificate has expired');
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    expect(describeDeliveryError(refused, [])).toBe('connect ECONNREFUSED 127.0.0.1:1');
  });

  it('never repeats the signature or any part of it', () => {
    const parts = [signature, ...signature.split(' '), signature.slice(3)];
    const error = new Error(`Invalid header value ${signature} and ${signature.slice(3)}`);
    const text = describeDeliveryError(error, parts);
    expect(text).not.toContain(signature.slice(3));
    expect(text).toContain('[redacted]');
  });

  it('stays short', () => {
    const text = describeDeliveryError(new Error('x'.repeat(5000)), []);
    expect(text.length).toBeLessThanOrEqual(MAX_DELIVERY_ERROR_LENGTH);
  });

  it('describes things thrown that are not errors', () => {
    expect(describeDeliveryError('boom', [])).toBe('boom');
    expect(describeDeliveryError(new Error(''), [])).toBe('unknown network error');
  });
});
