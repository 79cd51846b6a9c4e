// stablegate checkout: makes the server-rendered page live. Plain ES2020, no dependencies, served
// by the gateway (CSP script-src 'self'). Its contract with checkout-page.tsx is the element ids
// and the JSON in #checkout-data (CheckoutClientData in checkout-view.ts).
// Over 300 lines on purpose: the browser loads one file with no bundler, so the page's few
// behaviours (countdown, copy, QR, wallet, live status with its polling fallback) live together.
(() => {
  const dataElement = document.getElementById('checkout-data');
  if (!dataElement) return;
  const data = JSON.parse(dataElement.textContent || '{}');
  const byId = (id) => document.getElementById(id);
  const POLL_INTERVAL_MS = 3000;
  const PAYABLE = ['awaiting_payment', 'partially_paid', 'confirming', 'underpaid'];
  const PAID = ['paid', 'paid_late', 'overpaid'];
  // Same locales and format as formatPaidTime in checkout-view.ts, so a live receipt reads as a served one.
  const LOCALES = { en: 'en-GB', 'zh-Hans': 'zh-Hans-CN', 'zh-Hant': 'zh-Hant-TW' };
  const COUNTING = ['awaiting_payment', 'partially_paid', 'confirming'];

  let status = data.status;
  // Server time minus local time: the countdown follows the server's clock, not the payer's.
  let clockOffsetMs = 0;
  let final = false;

  const format = (key, params) =>
    (data.messages[key] || key).replace(/\{(\w+)\}/g, (whole, name) =>
      params && params[name] !== undefined ? String(params[name]) : whole,
    );

  const setText = (id, text) => {
    const element = byId(id);
    if (element && element.textContent !== text) element.textContent = text;
  };

  const statusParams = (s) => ({
    merchant: data.merchant,
    symbol: s.token.symbol,
    paid: s.amountReceived,
    remaining: s.amountRemaining,
    confirmations: s.confirmationsSeen,
    required: s.confirmationsRequired,
  });

  const pad = (n) => String(n).padStart(2, '0');
  const formatCountdown = (ms) => {
    const total = Math.max(0, Math.floor(ms / 1000));
    const days = Math.floor(total / 86400);
    const hours = Math.floor((total % 86400) / 3600);
    const clock = `${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
    if (days > 0) return `${format('page.days', { days })} ${pad(hours)}:${clock}`;
    return hours > 0 ? `${hours}:${clock}` : clock;
  };

  // A chain that confirms by a block tag ("safe", "finalized") has no count to reach: as
  // statusLineKey and describePayment in checkout-view.ts, show the blocks seen, not "n of N".
  const byTag = (s) => typeof s.confirmationsRequired === 'string';

  const describePayment = (p, s) => {
    const params = {
      amount: p.amount,
      symbol: s.token.symbol,
      confirmations: byTag(s) ? p.confirmations : Math.min(p.confirmations, s.confirmationsRequired),
      required: s.confirmationsRequired,
    };
    if (p.status === 'confirmed') return format('page.paymentConfirmed', params);
    if (p.status === 'reverted') return format('page.paymentReverted', params);
    return format(byTag(s) ? 'finality.paymentDetected' : 'page.paymentDetected', params);
  };

  function renderPayments(s) {
    const list = byId('payment-list');
    if (!list) return;
    const items = s.payments.map((p) => {
      const item = document.createElement('li');
      const text = document.createElement('span');
      text.textContent = describePayment(p, s);
      const hash = document.createElement('code');
      hash.className = 'hash';
      hash.textContent = p.txHash;
      let shown = hash;
      if (p.explorerUrl) {
        shown = document.createElement('a');
        shown.className = 'tx';
        shown.href = p.explorerUrl;
        shown.rel = 'noopener noreferrer';
        shown.target = '_blank';
        shown.append(hash);
      }
      item.append(text, ' ', shown);
      return item;
    });
    list.replaceChildren(...items);
    byId('payments').hidden = items.length === 0;
  }

  const formatPaidTime = (iso) =>
    `${new Intl.DateTimeFormat(LOCALES[data.language] || 'en-GB', {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: 'UTC',
    }).format(new Date(iso))} UTC`;

  // A paid invoice leads with its receipt; an expired or canceled one with that word; neither
  // shows an amount due any more.
  function renderLead(s) {
    const paid = PAID.includes(s.phase);
    byId('receipt').hidden = !paid;
    if (paid) {
      setText('receipt-title', format('receipt.title', { amount: s.amountPaid, symbol: s.token.symbol }));
      const time = byId('paid-at');
      if (s.paidAt) time.setAttribute('datetime', s.paidAt);
      setText('paid-at', s.paidAt ? format('receipt.paidAt', { time: formatPaidTime(s.paidAt) }) : '');
      const back = byId('return-link');
      if (s.returnUrl) back.setAttribute('href', s.returnUrl);
      setText('return-link', format('receipt.return', { merchant: data.merchant }));
      back.hidden = !s.returnUrl;
    }
    const lead = s.phase === 'expired' || s.phase === 'canceled' ? `lead.${s.phase}` : null;
    byId('lead').hidden = !lead;
    setText('lead', lead ? format(lead) : '');
    byId('due-row').hidden = paid || lead !== null;
  }

  function render(s) {
    renderLead(s);
    const statusElement = byId('status');
    statusElement.dataset.phase = s.phase;
    const line = s.phase === 'confirming' && byTag(s) ? 'finality.confirming' : `phase.${s.phase}`;
    setText('status', format(line, statusParams(s)));
    setText('amount-remaining', s.amountRemaining);
    setText('amount', s.amountRemaining);
    setText('amount-received', s.amountReceived);
    byId('received-row').hidden = s.amountReceived === '0';
    setText('qr-hint', format('page.qrHint', { amount: s.amountRemaining, symbol: s.token.symbol }));
    const qr = byId('qr');
    const qrSrc = `${data.urls.qr}?due=${encodeURIComponent(s.amountRemaining)}`;
    if (qr.getAttribute('src') !== qrSrc) {
      // A fresh QR code whenever the amount still due changes (after a partial payment).
      qr.setAttribute('src', qrSrc);
      qr.alt = format('page.qrAlt', {
        amount: s.amountRemaining,
        symbol: s.token.symbol,
        chain: s.chainName,
        address: s.depositAddress,
      });
    }
    byId('open-wallet').setAttribute('href', s.paymentUri);
    byId('pay').hidden = !s.transaction || !PAYABLE.includes(s.phase);
    renderPayments(s);
    tick();
  }

  function tick() {
    const remainingMs = Date.parse(status.expiresAt) - (Date.now() + clockOffsetMs);
    const counting = status.status === 'pending' && COUNTING.includes(status.phase);
    if (counting && remainingMs <= 0 && status.phase !== 'confirming') {
      // The deadline passed before the server's sweep: stop asking for money now, as the server would.
      const received = status.amountReceived !== '0';
      status = {
        ...status,
        phase: received ? 'underpaid' : 'expired',
        transaction: received ? status.transaction : null,
      };
      render(status);
      return;
    }
    byId('countdown-row').hidden = !counting;
    if (counting) setText('countdown', formatCountdown(remainingMs));
  }

  function accept(next) {
    clockOffsetMs = Date.parse(next.serverTime) - Date.now();
    status = next;
    render(next);
    final = next.status === 'paid' || next.status === 'canceled';
  }

  // Live status: Server-Sent Events, falling back to polling the JSON route when the browser has
  // no EventSource or the stream cannot be kept open (a proxy that buffers, say).
  function poll() {
    if (final) return;
    fetch(data.urls.status, { cache: 'no-store', headers: { accept: 'application/json' } })
      .then((response) => (response.ok ? response.json() : null))
      .then((next) => next && accept(next))
      .catch(() => undefined)
      .finally(() => {
        if (!final) setTimeout(poll, POLL_INTERVAL_MS);
      });
  }

  function follow() {
    if (typeof EventSource !== 'function') return poll();
    const source = new EventSource(data.urls.events);
    source.addEventListener('status', (event) => {
      accept(JSON.parse(event.data));
      if (final) source.close();
      else if (status.status === 'expired') {
        // The server ends an expired invoice's stream (status-stream.ts), yet a late payment can
        // still make it paid: poll for that instead of letting EventSource reconnect.
        source.close();
        setTimeout(poll, POLL_INTERVAL_MS);
      }
    });
    source.addEventListener('error', () => {
      if (final || source.readyState !== EventSource.CLOSED) return;
      poll();
    });
  }

  // Copy buttons: the Clipboard API where the page is a secure context, selection otherwise.
  function announce(text) {
    setText('copy-status', '');
    setTimeout(() => setText('copy-status', text), 50);
  }
  for (const button of document.querySelectorAll('[data-copy]')) {
    button.hidden = false;
    button.addEventListener('click', () => {
      const target = byId(button.dataset.copy);
      const value = target ? target.textContent.trim() : '';
      const selectIt = () => {
        const range = document.createRange();
        range.selectNodeContents(target);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        announce(format('page.copyFailed'));
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(value).then(() => announce(format('page.copied')), selectIt);
      } else selectIt();
    });
  }

  // Pay with a browser wallet (EIP-1193). Codes: 4001 user rejected, 4902 unknown chain (EIP-3326),
  // -32002 a request is already pending. MetaMask Mobile nests the code in data.originalError.
  const provider = window.ethereum;
  const payButton = byId('pay-with-wallet');
  const walletMessage = byId('wallet-message');
  const say = (key, params, kind) => {
    walletMessage.dataset.kind = kind || 'info';
    walletMessage.textContent = format(key, params);
  };
  const errorCode = (error) => error && (error.code ?? error.data?.originalError?.code);
  const chainHex = `0x${data.status.chainId.toString(16)}`;
  const wrongChain = () => Object.assign(new Error('wrong chain'), { wrongChain: true });
  const formatUnits = (value, decimals) => {
    const digits = value.toString().padStart(decimals + 1, '0');
    const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
    return digits.slice(0, digits.length - decimals) + (fraction ? `.${fraction}` : '');
  };

  async function ensureChain() {
    const onChain = async () =>
      BigInt(await provider.request({ method: 'eth_chainId' })) === BigInt(chainHex);
    if (await onChain()) return;
    say('wallet.switching', { chain: status.chainName });
    const params = [{ chainId: chainHex }];
    try {
      await provider.request({ method: 'wallet_switchEthereumChain', params });
    } catch (error) {
      if (errorCode(error) !== 4902) throw error;
      if (!data.addChain) throw wrongChain();
      await provider.request({ method: 'wallet_addEthereumChain', params: [data.addChain] });
      // EIP-3085 lets a wallet add without switching: ask again if it did not.
      if (!(await onChain())) await provider.request({ method: 'wallet_switchEthereumChain', params });
    }
    if (!(await onChain())) throw wrongChain();
  }

  async function readBalance(token, owner) {
    const calldata = `0x70a08231${owner.slice(2).toLowerCase().padStart(64, '0')}`; // balanceOf(address)
    try {
      return BigInt(
        await provider.request({ method: 'eth_call', params: [{ to: token, data: calldata }, 'latest'] }),
      );
    } catch {
      return null; // The wallet will refuse an unfunded transfer itself.
    }
  }

  function explain(error) {
    const code = errorCode(error);
    const message = String(error?.message || error);
    if (code === 4001) return say('wallet.rejected', {}, 'error');
    if (code === -32002) return say('wallet.pending', {}, 'error');
    if (error?.wrongChain) {
      return say('wallet.wrongChain', { chain: status.chainName, chainId: status.chainId }, 'error');
    }
    if (/insufficient funds/i.test(message)) return say('wallet.insufficientGas', {}, 'error');
    return say('wallet.failed', { message }, 'error');
  }

  async function pay() {
    const tx = status.transaction;
    if (!tx) return;
    payButton.disabled = true;
    try {
      say('wallet.connecting');
      const accounts = await provider.request({ method: 'eth_requestAccounts' });
      const from = accounts?.[0];
      if (!from) return say('wallet.noAccount', {}, 'error');
      await ensureChain();
      // transfer(address,uint256) calldata: the amount is its last 32-byte word.
      const amount = BigInt(`0x${tx.data.slice(-64)}`);
      const symbol = status.token.symbol;
      const balance = await readBalance(tx.to, from);
      if (balance !== null && balance < amount) {
        const held = formatUnits(balance, status.token.decimals);
        return say(
          'wallet.insufficientToken',
          { symbol, balance: held, amount: status.amountRemaining },
          'error',
        );
      }
      say('wallet.confirm', { amount: status.amountRemaining, symbol });
      const params = [{ from, to: tx.to, data: tx.data, value: '0x0' }];
      const hash = await provider.request({ method: 'eth_sendTransaction', params });
      say('wallet.sent', { hash });
    } catch (error) {
      explain(error);
    } finally {
      payButton.disabled = false;
    }
  }

  if (provider && typeof provider.request === 'function') {
    payButton.hidden = false;
    payButton.addEventListener('click', pay);
  }

  accept(status);
  setInterval(tick, 1000);
  follow();
})();
