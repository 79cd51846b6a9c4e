import { type DevnetFile, devnetChains } from '../devnet/devnet-file.ts';
import type { Confirmations } from '../domain/chain.ts';

/** The last line of the summary: the one to look for (and to wait for in scripts). */
export const readyLine = (apiUrl: string, publicUrl: string) =>
  `stablegate dev is ready: API ${apiUrl}  checkout ${publicUrl}/pay/<invoiceId>  docs ${apiUrl}/docs`;

const describeConfirmations = (confirmations: Confirmations) =>
  typeof confirmations === 'number'
    ? `${confirmations} confirmation(s)`
    : `confirmed once the "${confirmations}" block reaches a payment`;

/** What a newcomer needs after `npm start`: where things are, a key, and a request to paste. */
export function printDevnetSummary(
  devnet: DevnetFile,
  options: { dataDir: string; publicUrl: string; confirmations: Confirmations },
): void {
  const token = devnet.tokens[0];
  const chains = devnetChains(devnet);
  const lines = [
    '',
    'stablegate devnet is running',
    '',
    `  API          ${devnet.apiUrl}   (docs: ${devnet.apiUrl}/docs)`,
    `  Checkout     ${options.publicUrl}/pay/<invoiceId>`,
    ...chains.map(
      (chain) =>
        `  RPC          ${chain.rpcUrl}   (chain ${chain.chainId}, ${describeConfirmations(options.confirmations)})`,
    ),
    `  API key      ${devnet.apiKey}`,
    `  Database     ${devnet.databasePath}`,
    ...(devnet.payoutAddress
      ? [`  Payout       ${devnet.payoutAddress}   (the demo merchant's; sweeps move payments here)`]
      : []),
    ...chains.flatMap((chain) => [
      '',
      chains.length === 1 ? '  Tokens' : `  Tokens on chain ${chain.chainId}`,
      ...chain.tokens.map((t) => `    ${t.symbol.padEnd(5)} ${t.address}  (${t.decimals} decimals)`),
    ]),
    '',
    '  Payers (anvil accounts, 1,000,000 of each token)',
    ...devnet.payers.map((p) => `    ${p.address}  key ${p.privateKey}`),
    '',
    '  Try it:',
    `    npx stablegate listen --register --data-dir ${options.dataDir}   # in another terminal: prints webhooks`,
    `    curl -s ${devnet.apiUrl}/v1/invoices -H 'Authorization: Bearer ${devnet.apiKey}' \\`,
    `      -H 'Content-Type: application/json' -d '{"amount":"25.5","currency":"${token?.symbol ?? 'USDC'}","chainId":${devnet.chainId}}'`,
    `    npx stablegate pay <invoiceId> --data-dir ${options.dataDir}   # on the invoice's chain`,
    '',
    `  These facts are also in ${options.dataDir}/devnet.json, the chains in ${options.dataDir}/chains.json.`,
    '  Stop with Ctrl-C.',
    '',
    readyLine(devnet.apiUrl, options.publicUrl),
  ];
  console.log(lines.join('\n'));
}
