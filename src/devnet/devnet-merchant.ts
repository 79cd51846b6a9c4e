import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';

/**
 * The demo merchant's xpub: anvil's well-known mnemonic at account 1000, m/44'/60'/1000'/0. Anvil
 * funds m/44'/60'/0'/0/i, so deposit addresses never coincide with a funded payer account, and the
 * merchant's wallet (the same mnemonic) can sweep what the devnet invoices receive.
 */
export const DEVNET_MERCHANT_PATH = "m/44'/60'/1000'/0";

export function devnetMerchantXpub(mnemonic: string): string {
  return HDKey.fromMasterSeed(mnemonicToSeedSync(mnemonic)).derive(DEVNET_MERCHANT_PATH).publicExtendedKey;
}
