import { type Address, type Hex, toHex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';

/** The mnemonic anvil derives its unlocked dev accounts from unless `--mnemonic` says otherwise. */
export const ANVIL_DEFAULT_MNEMONIC = 'test test test test test test test test test test test junk';

/** Anvil's account 0: unlocked on every default anvil, so it deploys without a key in our code. */
export const ANVIL_DEPLOYER: Address = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';

export type DevnetAccount = { address: Address; privateKey: Hex };

/**
 * The dev accounts anvil unlocks, derived as anvil does (BIP-44 path m/44'/60'/0'/0/i), with their
 * private keys so payers can also sign locally. Index 0 is the deployer; payers start at 1.
 */
export function getAnvilAccounts(options: {
  count: number;
  from?: number;
  mnemonic?: string;
}): DevnetAccount[] {
  const from = options.from ?? 0;
  return Array.from({ length: options.count }, (_, offset) => {
    const account = mnemonicToAccount(options.mnemonic ?? ANVIL_DEFAULT_MNEMONIC, {
      addressIndex: from + offset,
    });
    const privateKey = account.getHdKey().privateKey;
    if (!privateKey) throw new Error(`no private key derived for account ${from + offset}`);
    return { address: account.address, privateKey: toHex(privateKey) };
  });
}
