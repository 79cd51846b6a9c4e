import {
  type Account,
  type Chain,
  concat,
  type PublicClient,
  type Transport,
  type WalletClient,
  zeroHash,
} from 'viem';
import { forwarderFactoryBytecode } from '../../contracts-abi/index.ts';
import { DETERMINISTIC_DEPLOYER, FORWARDER_FACTORY_ADDRESS } from '../domain/forwarder-address.ts';

export class DeterministicDeployerMissingError extends Error {
  override readonly name = 'DeterministicDeployerMissingError';
  constructor() {
    super(
      `this chain has no deterministic CREATE2 deployer at ${DETERMINISTIC_DEPLOYER}: the forwarder factory cannot get its address there`,
    );
  }
}

/**
 * Deploys the ForwarderFactory at its one address (domain/forwarder-address.ts) unless it is
 * there already: a transaction to the deterministic CREATE2 deployer, whose calldata is the salt
 * (32 bytes, zero) followed by the init code. Idempotent, and safe for anyone to run.
 */
export async function deployForwarderFactory(clients: {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
}): Promise<{ address: typeof FORWARDER_FACTORY_ADDRESS; deployed: boolean }> {
  const { publicClient, walletClient } = clients;
  const existing = await publicClient.getCode({ address: FORWARDER_FACTORY_ADDRESS });
  if (existing && existing !== '0x') return { address: FORWARDER_FACTORY_ADDRESS, deployed: false };
  const deployer = await publicClient.getCode({ address: DETERMINISTIC_DEPLOYER });
  if (!deployer || deployer === '0x') throw new DeterministicDeployerMissingError();
  const hash = await walletClient.sendTransaction({
    to: DETERMINISTIC_DEPLOYER,
    data: concat([zeroHash, forwarderFactoryBytecode]),
    chain: walletClient.chain ?? null,
  });
  const receipt = await publicClient.waitForTransactionReceipt({ hash });
  const code = await publicClient.getCode({ address: FORWARDER_FACTORY_ADDRESS });
  if (receipt.status !== 'success' || !code || code === '0x')
    throw new Error(`deploying the forwarder factory failed (transaction ${hash})`);
  return { address: FORWARDER_FACTORY_ADDRESS, deployed: true };
}
