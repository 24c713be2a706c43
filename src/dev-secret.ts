/**
 * The HS256 secret used when `JWT_SECRET` is unset outside production (order-api.md,
 * Configuration). It is public, so anyone can mint tokens with it: never accept it in production.
 */
export const developmentJwtSecret = 'order-service-development-secret-change-me-0123456789';
