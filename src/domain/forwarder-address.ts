import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { type Address, concat, encodePacked, type Hex, keccak256 } from 'viem';

/**
 * Forwarder deposit addresses (contracts/ForwarderFactory.sol), computed locally: no RPC on the
 * request path, and the same address on every chain.
 *
 * The factory is created by the deterministic CREATE2 deployer (present on anvil and most EVM
 * chains) with salt 0, so its address depends on its bytecode alone; its constructor creates the
 * Forwarder implementation with its first nonce. Both addresses are fixed by the compiled
 * contracts in contracts-abi/: test/forwarder.test.ts recomputes them from the
 * bytecode and deploys them on anvil, so a recompiled contract cannot drift from these constants.
 */
export const DETERMINISTIC_DEPLOYER: Address = '0x4e59b44847b379578588920ca78fbf26c0b4956c';
export const FORWARDER_FACTORY_ADDRESS: Address = '0xCa648254D36bf01C5630976c5047818792Aa3361';
export const FORWARDER_IMPLEMENTATION_ADDRESS: Address = '0x0253AaC950C85Ca8eA2568155AcFA906d9E85417';

/**
 * The EIP-1167 clone init code with immutable args of OpenZeppelin Clones 5.x
 * (`_cloneCodeWithImmutableArgs`): a 0x2d-byte proxy delegating to `implementation`, followed by
 * the 20 bytes of the payout. The payout is in the init code, so in the CREATE2 address.
 */
export function forwarderInitCode(payout: Address): Hex {
  return concat([
    '0x61',
    encodePacked(['uint16'], [0x2d + 20]),
    '0x3d81600a3d39f3363d3d373d3d3d363d73',
    FORWARDER_IMPLEMENTATION_ADDRESS,
    '0x5af43d82803e903d91602b57fd5bf3',
    payout,
  ]);
}

/** Init-code hashes by payout: a merchant's every invoice hashes the same init code. */
const initCodeHashes = new Map<Address, Uint8Array>();
/** A handful of payouts per merchant: the cache is dropped whole past this many. */
const INIT_CODE_HASHES_MAX = 10_000;

function initCodeHash(payout: Address): Uint8Array {
  let hash = initCodeHashes.get(payout);
  if (hash === undefined) {
    if (initCodeHashes.size >= INIT_CODE_HASHES_MAX) initCodeHashes.clear();
    hash = hexToBytes(keccak256(forwarderInitCode(payout)).slice(2));
    initCodeHashes.set(payout, hash);
  }
  return hash;
}

/** 0xff ‖ factory ‖ salt ‖ init-code hash: CREATE2's preimage (EIP-1014), the last 64 bytes filled per call. */
const create2Preimage = new Uint8Array(85);
create2Preimage[0] = 0xff;
create2Preimage.set(hexToBytes(FORWARDER_FACTORY_ADDRESS.slice(2)), 1);

/**
 * The deposit address of the forwarder for (payout, salt), EIP-55 checksummed: viem's
 * getContractAddress and getAddress, written on bytes with noble's keccak (viem's hex round trips
 * were most of the cost of creating an invoice in forwarder mode). The forwarder test checks it
 * against viem and against the address the factory really deploys to.
 */
export function forwarderAddress(payout: Address, salt: Hex): Address {
  create2Preimage.set(hexToBytes(salt.slice(2)), 21);
  create2Preimage.set(initCodeHash(payout), 53);
  return checksummed(bytesToHex(keccak_256(create2Preimage).subarray(12)));
}

/** EIP-55: each letter of the lower-case hex upper-cased where its nibble of keccak(hex) is ≥ 8. */
function checksummed(lowerHex: string): Address {
  const hash = keccak_256(new TextEncoder().encode(lowerHex));
  let address = '0x';
  for (let i = 0; i < 40; i++) {
    const nibble = i % 2 === 0 ? (hash[i >> 1] as number) >> 4 : (hash[i >> 1] as number) & 0x0f;
    const char = lowerHex[i] as string;
    address += nibble >= 8 ? char.toUpperCase() : char;
  }
  return address as Address;
}

/**
 * The CREATE2 salt of a merchant's invoice `index`: distinct per (merchant, index), so an index
 * is never handed out twice and two merchants sharing a payout still get different addresses.
 */
export function forwarderSalt(merchantId: string, index: number): Hex {
  // encodePacked(['string', 'uint64'], [merchantId, index]), on bytes.
  const id = new TextEncoder().encode(merchantId);
  const packed = new Uint8Array(id.length + 8);
  packed.set(id);
  new DataView(packed.buffer).setBigUint64(id.length, BigInt(index));
  return `0x${bytesToHex(keccak_256(packed))}`;
}
