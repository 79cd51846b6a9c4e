import fc from 'fast-check';
import { type Address, encodePacked, getAddress, getContractAddress, type Hex, keccak256 } from 'viem';
import { describe, expect, it } from 'vitest';
import {
  FORWARDER_FACTORY_ADDRESS,
  forwarderAddress,
  forwarderInitCode,
  forwarderSalt,
} from './forwarder-address.ts';

const address = fc
  .uint8Array({ minLength: 20, maxLength: 20 })
  .map((bytes) => getAddress(`0x${Buffer.from(bytes).toString('hex')}`) as Address);

describe('forwarder addresses on bytes', () => {
  it('are viem’s encodePacked salt and CREATE2 address, checksummed, for any merchant, index and payout', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.nat(),
        address,
        (merchantId, index, payout) => {
          const salt = forwarderSalt(merchantId, index);
          expect(salt).toBe(keccak256(encodePacked(['string', 'uint64'], [merchantId, BigInt(index)])));
          expect(forwarderAddress(payout, salt)).toBe(
            getContractAddress({
              opcode: 'CREATE2',
              from: FORWARDER_FACTORY_ADDRESS,
              salt,
              bytecodeHash: keccak256(forwarderInitCode(payout)),
            }),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('does not let one call’s payout or salt leak into the next (the preimage buffer is reused)', () => {
    const salts: Hex[] = [forwarderSalt('mch_a', 0), forwarderSalt('mch_b', 0)];
    const payouts: Address[] = [
      '0x000000000000000000000000000000000000bEEF',
      '0x00000000000000000000000000000000DeaDBeef',
    ];
    const once = payouts.flatMap((payout) => salts.map((salt) => forwarderAddress(payout, salt)));
    expect(new Set(once).size).toBe(4);
    expect(payouts.flatMap((payout) => salts.map((salt) => forwarderAddress(payout, salt)))).toEqual(once);
  });
});
