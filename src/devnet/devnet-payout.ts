import type { Address } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';

/**
 * The demo merchant's payout address: the first address of account 1000 of anvil's well-known
 * mnemonic, m/44'/60'/1000'/0/0. Anvil funds m/44'/60'/0'/0/i only, so the payout starts empty and
 * its token balance is exactly what sweeps moved there; the same mnemonic's wallet can spend it.
 */
export function devnetPayoutAddress(mnemonic: string): Address {
  return mnemonicToAccount(mnemonic, { accountIndex: 1000 }).address;
}
