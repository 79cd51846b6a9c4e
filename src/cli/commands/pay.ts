import { resolve } from 'node:path';
import { createPublicClient, createWalletClient, erc20Abi, http } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { devnetChains, readDevnetFile } from '../../devnet/devnet-file.ts';
import { amountDue } from '../../domain/invoice.ts';
import { formatAmount, parseAmount } from '../../domain/money.ts';
import { loadInvoice } from '../../store/invoices.ts';
import { openSqliteStore } from '../../store/sqlite-store.ts';
import { CliError } from '../cli-error.ts';
import { parseCommandArgs, parseIntegerFlag, UsageExit } from '../parse-command-args.ts';

export const PAY_USAGE = `Usage: stablegate pay <invoiceId> [options]

Pays an invoice of a running devnet (\`npm start\`) with an ERC-20 transfer from a devnet payer,
on the invoice's chain.

Options:
  --amount <a>       send this amount instead of what is due (e.g. 10.5, to underpay)
  --payer <n>        which devnet payer sends it (default 0)
  --data-dir <dir>   the devnet's data dir (default ./data)
  -h, --help         this help`;

/** A devnet on this machine answers at once; a refused connection should not wait for retries. */
const RPC_CHECK_TIMEOUT_MS = 5_000;

/** One line instead of viem's stack when nothing answers at the devnet's RPC URL. */
async function assertDevnetReachable(rpcUrl: string): Promise<void> {
  const client = createPublicClient({
    transport: http(rpcUrl, { retryCount: 0, timeout: RPC_CHECK_TIMEOUT_MS }),
  });
  try {
    await client.getChainId();
  } catch {
    throw new CliError(`devnet at ${rpcUrl} not reachable — is \`npm start\` running?`);
  }
}

/** `stablegate pay <invoiceId> [--amount <a>]`: an ERC-20 transfer from a devnet payer on the invoice's chain. */
export async function payCommand(args: string[]): Promise<number> {
  const { positionals, values } = parseCommandArgs(PAY_USAGE, args, {
    allowPositionals: true,
    options: {
      amount: { type: 'string' },
      'data-dir': { type: 'string', default: './data' },
      payer: { type: 'string', default: '0' },
    },
  });
  const invoiceId = positionals[0];
  if (!invoiceId) throw new UsageExit(PAY_USAGE, '<invoiceId>: required');
  if (positionals.length > 1) throw new UsageExit(PAY_USAGE, `unexpected argument "${positionals[1]}"`);
  const payerIndex = parseIntegerFlag(PAY_USAGE, '--payer', values.payer, {
    min: 0,
    max: 1_000,
    fallback: 0,
  });
  const dataDir = resolve(values['data-dir'] ?? './data');
  const devnet = readDevnetFile(dataDir);
  if (!devnet)
    throw new CliError(`no devnet in ${dataDir}: start one with "npx stablegate dev" (or pass --data-dir)`);
  // The first chain stands for the devnet: when it is down, so is the rest (one dev process).
  await assertDevnetReachable(devnet.rpcUrl);
  const store = openSqliteStore(devnet.databasePath);
  const found = await store.read(loadInvoice, invoiceId).finally(() => store.close());
  if (!found) throw new CliError(`invoice ${invoiceId} not found in ${devnet.databasePath}`);
  const { invoice } = found;
  const chains = devnetChains(devnet);
  const chain = chains.find((candidate) => candidate.chainId === invoice.chainId);
  if (!chain)
    throw new CliError(
      `invoice ${invoiceId} is on chain ${invoice.chainId}, which this devnet does not run (${chains.map((c) => c.chainId).join(', ')})`,
    );
  let amount = amountDue(invoice);
  if (values.amount !== undefined) {
    const parsed = parseAmount(values.amount, invoice.token.decimals);
    if (!parsed.ok) throw new CliError(`--amount: ${parsed.message}`);
    amount = parsed.value;
  }
  if (amount === 0n) throw new CliError(`invoice ${invoiceId} has nothing due; pass --amount to send anyway`);
  const payer = devnet.payers[payerIndex];
  if (!payer)
    throw new CliError(`--payer: there are ${devnet.payers.length} payers (0-${devnet.payers.length - 1})`);
  const account = privateKeyToAccount(payer.privateKey as `0x${string}`);
  const transport = http(chain.rpcUrl);
  const wallet = createWalletClient({ account, transport });
  const hash = await wallet.writeContract({
    chain: null,
    address: invoice.token.address,
    abi: erc20Abi,
    functionName: 'transfer',
    args: [invoice.depositAddress, amount],
  });
  const receipt = await createPublicClient({ transport, cacheTime: 0 }).waitForTransactionReceipt({
    hash,
    pollingInterval: 250,
  });
  console.log(
    `sent ${formatAmount(amount, invoice.token.decimals)} ${invoice.token.symbol} from ${account.address} to ${invoice.depositAddress}`,
  );
  console.log(`transaction ${hash} (block ${receipt.blockNumber}, ${receipt.status})`);
  return receipt.status === 'success' ? 0 : 1;
}
