/**
 * Where the checkout's "Back to <merchant>" button leads once an invoice is paid.
 * NULL for invoices created without one, and for every invoice created before this migration.
 */
export const invoiceReturnUrl = `
ALTER TABLE invoices ADD COLUMN return_url TEXT;
`;
