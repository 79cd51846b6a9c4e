import type { Child } from 'hono/jsx';
import type { CheckoutView } from './checkout-view.ts';
import { translate } from './i18n.ts';
import type { Language } from './messages.ts';

/**
 * The payer's page, server-rendered and complete without JavaScript: amount, network, address,
 * QR code and a wallet link are all in the HTML. checkout.js only makes it live (status, countdown,
 * copy buttons, "Pay with browser wallet"). Element ids are that script's contract with this file.
 */

function Layout(props: {
  language: Language;
  title: string;
  style: string;
  script?: string;
  children: Child;
}) {
  return (
    <html lang={props.language}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="robots" content="noindex" />
        <title>{props.title}</title>
        <link rel="stylesheet" href={props.style} />
        {props.script ? <script src={props.script} defer /> : null}
      </head>
      <body>{props.children}</body>
    </html>
  );
}

/** A value the payer copies: the label names it for screen readers, the button stays "Copy". */
function CopyField(props: {
  id: string;
  label: string;
  value: string;
  copy: string;
  suffix?: string;
  hint?: string;
}) {
  return (
    <div class="field">
      <span class="field-label" id={`${props.id}-label`}>
        {props.label}
      </span>
      <div class="field-row">
        <code class="field-value" id={props.id}>
          {props.value}
        </code>
        {props.suffix ? <strong>{props.suffix}</strong> : null}
        <button type="button" class="copy" data-copy={props.id} aria-describedby={`${props.id}-label`} hidden>
          {props.copy}
        </button>
      </div>
      {props.hint ? <p class="field-hint">{props.hint}</p> : null}
    </div>
  );
}

function LanguageSwitcher({ view }: { view: CheckoutView }) {
  return (
    <nav class="languages" aria-label={translate(view.language, 'page.language')}>
      <ul>
        {view.languageLinks.map((link) => (
          <li>
            <a
              href={link.href}
              lang={link.language}
              hreflang={link.language}
              aria-current={link.current ? 'page' : undefined}
            >
              {link.name}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** A transaction hash, linked to the chain's explorer when the operator configured one. */
function TxHash(props: { hash: string; href: string | null }) {
  const code = <code class="hash">{props.hash}</code>;
  return props.href ? (
    <a class="tx" href={props.href} rel="noopener noreferrer" target="_blank">
      {code}
    </a>
  ) : (
    code
  );
}

/** A paid invoice leads with this: a tick, "Paid 25.5 USDC", when, and the way back to the shop. */
function Receipt({ view }: { view: CheckoutView }) {
  const { receipt } = view;
  return (
    <section id="receipt" class="receipt" hidden={receipt === null} aria-labelledby="receipt-title">
      <svg class="tick" viewBox="0 0 24 24" width="48" height="48" aria-hidden="true">
        <circle cx="12" cy="12" r="11" />
        <path d="M6.5 12.5l3.5 3.5 7.5-8" />
      </svg>
      <h2 id="receipt-title">{receipt?.title ?? ''}</h2>
      <p class="muted">
        <time id="paid-at" datetime={receipt?.paidAt?.datetime}>
          {receipt?.paidAt?.text ?? ''}
        </time>
      </p>
      <a
        id="return-link"
        class="button primary"
        href={receipt?.returnLink?.href}
        hidden={!receipt?.returnLink}
      >
        {receipt?.returnLink?.label ?? ''}
      </a>
    </section>
  );
}

export function CheckoutPage({ view }: { view: CheckoutView }) {
  const t = (key: Parameters<typeof translate>[1], params?: Parameters<typeof translate>[2]) =>
    translate(view.language, key, params);
  const { status } = view;
  const symbol = status.token.symbol;
  return (
    <Layout language={view.language} title={view.title} style={view.urls.style} script={view.urls.script}>
      <header class="top">
        {view.testnetBadge ? (
          <p id="testnet-badge" class="badge">
            {view.testnetBadge}
          </p>
        ) : null}
        <LanguageSwitcher view={view} />
      </header>
      <main class="card" id="checkout">
        <Receipt view={view} />
        <p id="lead" class="lead" hidden={view.lead === null}>
          {view.lead ?? ''}
        </p>
        <section class="summary" aria-labelledby="merchant">
          <p class="eyebrow">{t('page.payTo')}</p>
          <h1 id="merchant">{view.merchantName}</h1>
          {view.description ? (
            <p class="description">{t('page.description', { description: view.description })}</p>
          ) : null}
          <dl class="facts">
            <div id="due-row" hidden={view.receipt !== null || view.lead !== null}>
              <dt>{t('page.amountDue')}</dt>
              <dd class="amount">
                <span id="amount-remaining">{status.amountRemaining}</span> <span>{symbol}</span>
              </dd>
            </div>
            <div id="received-row" hidden={status.amountReceived === '0'}>
              <dt>{t('page.amountPaid')}</dt>
              <dd>
                <span id="amount-received">{status.amountReceived}</span> {symbol}
              </dd>
            </div>
            <div>
              <dt>{t('page.network')}</dt>
              <dd>
                {status.chainName}{' '}
                <span class="muted">({t('page.chainId', { chainId: status.chainId })})</span>
              </dd>
            </div>
          </dl>
          <p id="status" class="status" role="status" aria-live="polite" data-phase={status.phase}>
            {view.statusLine}
          </p>
          <p id="countdown-row" class="countdown" hidden={view.countdown === null}>
            {t('page.expiresIn')}{' '}
            <time id="countdown" datetime={status.expiresAt}>
              {view.countdown?.text ?? ''}
            </time>
          </p>
        </section>

        <section id="pay" class="pay" hidden={!view.payable} aria-label={t('page.depositAddress')}>
          <figure class="qr">
            <img
              id="qr"
              src={`${view.urls.qr}?due=${encodeURIComponent(status.amountRemaining)}`}
              alt={view.qrAlt}
              width="264"
              height="264"
            />
            <figcaption id="qr-hint">
              {t('page.qrHint', { amount: status.amountRemaining, symbol })}
            </figcaption>
          </figure>
          <div class="fields">
            <CopyField
              id="deposit-address"
              label={t('page.depositAddress')}
              value={status.depositAddress}
              copy={t('page.copy')}
            />
            <CopyField
              id="amount"
              label={t('page.amountDue')}
              value={status.amountRemaining}
              suffix={symbol}
              copy={t('page.copy')}
            />
            <CopyField
              id="token-address"
              copy={t('page.copy')}
              label={t('page.tokenContract', { symbol })}
              value={status.token.address}
              hint={t('page.tokenContractHint')}
            />
            <p class="warning">{t('page.warning', { symbol, chain: status.chainName })}</p>
            <div class="actions">
              <button type="button" id="pay-with-wallet" class="button primary" hidden>
                {t('page.payWithWallet')}
              </button>
              <a id="open-wallet" class="button secondary" href={status.paymentUri}>
                {t('page.openInWallet')}
              </a>
            </div>
            <p id="wallet-message" class="wallet-message" aria-live="assertive" />
          </div>
        </section>

        <section id="payments" class="payments" hidden={view.paymentLines.length === 0}>
          <h2>{t('page.payments')}</h2>
          <ul id="payment-list">
            {view.paymentLines.map((line) => (
              <li>
                <span>{line.text}</span> <TxHash hash={line.txHash} href={line.explorerUrl} />
              </li>
            ))}
          </ul>
        </section>
        <noscript>
          <p class="warning">{t('page.noscript')}</p>
        </noscript>
        <p id="copy-status" class="visually-hidden" aria-live="polite" />
      </main>
      <footer class="footer">
        <small>{t('page.poweredBy')}</small>
      </footer>
      <script
        type="application/json"
        id="checkout-data"
        dangerouslySetInnerHTML={{ __html: view.clientData }}
      />
    </Layout>
  );
}

export function NotFoundPage(props: { language: Language; style: string }) {
  return (
    <Layout language={props.language} title={translate(props.language, 'notFound.title')} style={props.style}>
      <main class="card">
        <h1>{translate(props.language, 'notFound.title')}</h1>
        <p>{translate(props.language, 'notFound.body')}</p>
      </main>
    </Layout>
  );
}

/** HTML5 documents start with a doctype, which JSX cannot express. */
async function renderDocument(node: { toString(): string | Promise<string> }): Promise<string> {
  return `<!DOCTYPE html>${await node.toString()}`;
}

export function renderCheckoutPage(view: CheckoutView): Promise<string> {
  return renderDocument(<CheckoutPage view={view} />);
}

export function renderNotFoundPage(language: Language, style: string): Promise<string> {
  return renderDocument(<NotFoundPage language={language} style={style} />);
}
