/** A numbered page of a list (`page` from 1), as GET /api/orders and /api/admin/sagas take it. */
export type PageRequest = { readonly page: number; readonly limit: number };

/** The rows a numbered page covers. */
export const rowsOf = ({ page, limit }: PageRequest): { offset: number; limit: number } => ({
  offset: (page - 1) * limit,
  limit,
});

/** The `pagination` object of a numbered page of `total` rows in all. */
export const paginationOf = ({ page, limit }: PageRequest, total: number) => ({
  page,
  limit,
  total,
  totalPages: Math.ceil(total / limit),
});
