/** `price` is kept as it was given: the seeded ones are strings, a JSON number stays a number. */
export type Product = { id: number; name: string; price: string | number; stock: number };

/** Documented in sandbox/README.md; "0.10" + "0.20" is there to catch float sums. */
export const seededProducts: readonly Readonly<Product>[] = [
  { id: 1, name: 'Ceramic Coffee Mug', price: '12.99', stock: 100 },
  { id: 2, name: 'Stainless Steel Water Bottle', price: '24.50', stock: 100 },
  { id: 3, name: 'Wireless Mouse', price: '29.99', stock: 100 },
  { id: 4, name: 'Mechanical Keyboard', price: '89.00', stock: 100 },
  { id: 5, name: 'USB-C Charging Cable', price: '9.95', stock: 100 },
  { id: 6, name: 'A5 Dotted Notebook', price: '4.75', stock: 100 },
  { id: 7, name: 'Paper Clip', price: '0.10', stock: 100 },
  { id: 8, name: 'Pencil Eraser', price: '0.20', stock: 100 },
  { id: 9, name: 'LED Desk Lamp', price: '45.00', stock: 100 },
  { id: 10, name: 'Noise-Cancelling Headphones', price: '199.99', stock: 100 },
];

export function seedCatalogue(): Map<number, Product> {
  return new Map(seededProducts.map((product) => [product.id, { ...product }]));
}
