import { type CheckoutStatus, PAID_PHASES } from './checkout-status.ts';
import { formatMessage, type MessageParams, translate } from './i18n.ts';
import {
  LANGUAGE_NAMES,
  LANGUAGES,
  type Language,
  MESSAGES,
  type MessageKey,
  type Messages,
} from './messages.ts';
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
  paymentLines: { text: string; txHash: string; explorerUrl: string | null }[];
  /** Once paid: what the page leads with instead of an amount due. */
  receipt: {
    title: string;
    paidAt: { text: string; datetime: string } | null;
    returnLink: { href: string; label: string } | null;
  } | null;
  /** An expired or canceled invoice leads with that word, not with an amount due. */
  lead: string | null;
  testnetBadge: string | null;
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

/**
 * The status line's message: the phase's own, except while confirming on a chain that confirms by
 * a block tag, where "n of N confirmations" would invent an N (checkout.js picks the same).
 */
export function statusLineKey(status: CheckoutStatus): MessageKey {
  if (status.phase === 'confirming' && typeof status.confirmationsRequired === 'string')
    return 'finality.confirming';
  return `phase.${status.phase}`;
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
  const required = status.confirmationsRequired;
  const params = {
    amount: payment.amount,
    symbol: status.token.symbol,
    confirmations:
      typeof required === 'number' ? Math.min(payment.confirmations, required) : payment.confirmations,
    required,
  };
  if (payment.status === 'confirmed') return translate(language, 'page.paymentConfirmed', params);
  if (payment.status === 'reverted') return translate(language, 'page.paymentReverted', params);
  if (typeof required === 'string') return translate(language, 'finality.paymentDetected', params);
  return translate(language, 'page.paymentDetected', params);
}

/** BCP 47 tags Intl understands; the page's own tags are script subtags of zh. */
const LOCALES: Record<Language, string> = { en: 'en-GB', 'zh-Hans': 'zh-Hans-CN', 'zh-Hant': 'zh-Hant-TW' };

/** A paid time in the payer's language, in UTC (said so), identically on server and in checkout.js. */
export function formatPaidTime(iso: string, language: Language): string {
  const text = new Intl.DateTimeFormat(LOCALES[language], {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: 'UTC',
  }).format(new Date(iso));
  return `${text} UTC`;
}

/** The receipt of a paid invoice; the Back button only where the merchant gave a returnUrl. */
export function toReceipt(
  status: CheckoutStatus,
  language: Language,
  merchant: string,
): CheckoutView['receipt'] {
  if (!PAID_PHASES.has(status.phase)) return null;
  return {
    title: translate(language, 'receipt.title', { amount: status.amountPaid, symbol: status.token.symbol }),
    paidAt: status.paidAt
      ? {
          text: translate(language, 'receipt.paidAt', { time: formatPaidTime(status.paidAt, language) }),
          datetime: status.paidAt,
        }
      : null,
    returnLink: status.returnUrl
      ? { href: status.returnUrl, label: translate(language, 'receipt.return', { merchant }) }
      : null,
  };
}

/** What a closed, unpaid invoice leads with; underpaid still asks for the rest, so it has none. */
export function leadOf(status: CheckoutStatus, language: Language): string | null {
  if (status.phase === 'expired') return translate(language, 'lead.expired');
  if (status.phase === 'canceled') return translate(language, 'lead.canceled');
  return null;
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
    statusLine: formatMessage(MESSAGES[language][statusLineKey(status)], statusParams(status, merchantName)),
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
      explorerUrl: payment.explorerUrl,
    })),
    receipt: toReceipt(status, language, merchantName),
    lead: leadOf(status, language),
    testnetBadge: status.testnet ? translate(language, 'page.testnet') : null,
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
