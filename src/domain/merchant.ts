/** A merchant as the API and the CLI see it; its deposit settings stay in the store. */
export type Merchant = { id: string; name: string; createdAt: Date };
