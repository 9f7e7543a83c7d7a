// The invite link's fragment (`#k=<secret>`): the browser never sends it to a
// server. People append `?name=Ann` to links they are given; after a fragment
// that lands inside it, so a `?…` tail in the fragment is read as a query too.

import { LINK_SECRET_PARAM } from '../protocol/index.js';

export interface LinkFragment {
  secret?: string;
  name?: string;
}

export function parseLinkFragment(hash: string): LinkFragment {
  const [fragment = '', tail = ''] = hash.replace(/^#/, '').split('?', 2);
  const params = new URLSearchParams(fragment);
  const query = new URLSearchParams(tail);
  const secret = params.get(LINK_SECRET_PARAM);
  const name = query.get('name') ?? params.get('name');
  return {
    ...(secret && /^[A-Za-z0-9_-]{16,128}$/.test(secret) ? { secret } : {}),
    ...(name !== null ? { name } : {}),
  };
}
