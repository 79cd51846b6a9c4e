import { type Address, concat, encodePacked, getContractAddress, type Hex, keccak256 } from 'viem';

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

/** The deposit address of the forwarder for (payout, salt), EIP-55 checksummed. */
export function forwarderAddress(payout: Address, salt: Hex): Address {
  return getContractAddress({
    opcode: 'CREATE2',
    from: FORWARDER_FACTORY_ADDRESS,
    salt,
    bytecodeHash: keccak256(forwarderInitCode(payout)),
  });
}

/**
 * The CREATE2 salt of a merchant's invoice `index`: distinct per (merchant, index), so an index
 * is never handed out twice and two merchants sharing a payout still get different addresses.
 */
export function forwarderSalt(merchantId: string, index: number): Hex {
  return keccak256(encodePacked(['string', 'uint64'], [merchantId, BigInt(index)]));
}
