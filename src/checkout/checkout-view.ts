import type { CheckoutStatus } from './checkout-status.ts';
import { formatMessage, type MessageParams, translate } from './i18n.ts';
import { LANGUAGE_NAMES, LANGUAGES, type Language, MESSAGES, type Messages } from './messages.ts';
import type { AddEthereumChainParameter } from './wallet-chain.ts';

export type CheckoutUrls = { status: string; events: string; qr: string; script: string; style: string };

/** Everything the page template prints, already decided and translated: the template only lays out. */
export type CheckoutView = {
  language: Language;
  title: string;
  merchantName: string;
  description: string | null;
  status: CheckoutStatus;
  statusLine: string;
  /** Null once there is nothing to count down to (paid, confirming, expired, canceled). */
  countdown: { text: string; datetime: string } | null;
  payable: boolean;
  qrAlt: string;
  paymentLines: { text: string; txHash: string }[];
  languageLinks: { language: Language; name: string; href: string; current: boolean }[];
  urls: CheckoutUrls;
  /** The browser script's input, as JSON that is safe inside a `<script type="application/json">`. */
  clientData: string;
};

/** What the browser script reads: the status, where to follow it, and the strings to render it. */
export type CheckoutClientData = {
  language: Language;
  merchant: string;
  messages: Messages;
  urls: Pick<CheckoutUrls, 'status' | 'events' | 'qr'>;
  addChain: AddEthereumChainParameter | null;
  status: CheckoutStatus;
};

/** The values every `phase.*` message may use; checkout.js builds the same set from the JSON. */
export function statusParams(status: CheckoutStatus, merchant: string): MessageParams {
  return {
    merchant,
    symbol: status.token.symbol,
    paid: status.amountReceived,
    remaining: status.amountRemaining,
    confirmations: status.confirmationsSeen,
    required: status.confirmationsRequired,
  };
}

const pad = (value: number) => String(value).padStart(2, '0');

/** `mm:ss` under an hour, `h:mm:ss` under a day, then `<n> d hh:mm:ss`; never negative. */
export function formatCountdown(remainingMs: number, language: Language): string {
  const total = Math.max(0, Math.floor(remainingMs / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const clock = `${pad(minutes)}:${pad(total % 60)}`;
  if (days > 0) return `${translate(language, 'page.days', { days })} ${pad(hours)}:${clock}`;
  return hours > 0 ? `${hours}:${clock}` : clock;
}

/** True while the invoice is open and its deadline still matters to the payer. */
export function showsCountdown(status: CheckoutStatus): boolean {
  return (
    status.status === 'pending' &&
    (status.phase === 'awaiting_payment' ||
      status.phase === 'partially_paid' ||
      status.phase === 'confirming')
  );
}

export function describePayment(
  payment: CheckoutStatus['payments'][number],
  status: CheckoutStatus,
  language: Language,
): string {
  const params = {
    amount: payment.amount,
    symbol: status.token.symbol,
    confirmations: Math.min(payment.confirmations, status.confirmationsRequired),
    required: status.confirmationsRequired,
  };
  if (payment.status === 'confirmed') return translate(language, 'page.paymentConfirmed', params);
  if (payment.status === 'reverted') return translate(language, 'page.paymentReverted', params);
  return translate(language, 'page.paymentDetected', params);
}

/** JSON for an HTML data block: `<` escaped so no `</script>` or `<!--` can end it early. */
export function toScriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

export function toCheckoutView(input: {
  invoiceId: string;
  merchantName: string;
  description: string | null;
  status: CheckoutStatus;
  language: Language;
  addChain: AddEthereumChainParameter | null;
  assets: { script: string; style: string };
}): CheckoutView {
  const { status, language, invoiceId, merchantName } = input;
  const base = `/pay/${encodeURIComponent(invoiceId)}`;
  const urls: CheckoutUrls = {
    status: `${base}/status`,
    events: `${base}/events`,
    qr: `${base}/qr.svg`,
    ...input.assets,
  };
  const remainingMs = Date.parse(status.expiresAt) - Date.parse(status.serverTime);
  const clientData: CheckoutClientData = {
    language,
    merchant: merchantName,
    messages: MESSAGES[language],
    urls: { status: urls.status, events: urls.events, qr: urls.qr },
    addChain: input.addChain,
    status,
  };
  return {
    language,
    title: translate(language, 'page.title', { merchant: merchantName }),
    merchantName,
    description: input.description,
    status,
    statusLine: formatMessage(
      MESSAGES[language][`phase.${status.phase}`],
      statusParams(status, merchantName),
    ),
    countdown: showsCountdown(status)
      ? { text: formatCountdown(remainingMs, language), datetime: status.expiresAt }
      : null,
    payable: status.transaction !== null,
    qrAlt: translate(language, 'page.qrAlt', {
      amount: status.amountRemaining,
      symbol: status.token.symbol,
      chain: status.chainName,
      address: status.depositAddress,
    }),
    paymentLines: status.payments.map((payment) => ({
      text: describePayment(payment, status, language),
      txHash: payment.txHash,
    })),
    languageLinks: LANGUAGES.map((code) => ({
      language: code,
      name: LANGUAGE_NAMES[code],
      href: `${base}?lang=${code}`,
      current: code === language,
    })),
    urls,
    clientData: toScriptJson(clientData),
  };
}
