/**
 * Where the checkout's "Back to <merchant>" button leads once an invoice is paid (issue 13 item 11).
 * NULL for invoices created without one, and for every invoice created before this migration.
 */
export const invoiceReturnUrl = `
ALTER TABLE invoices ADD COLUMN return_url TEXT;
`;
