import 'reflect-metadata';

/**
 * tsx (esbuild) does not emit `design:*` decorator metadata, and @nestjs/graphql indexes
 * `design:paramtypes` before looking at an explicit `{ type: () => T }`. Every resolver argument
 * and field here names its type explicitly and every injection uses `@Inject(Token)`, so an empty
 * list is the truthful answer: no type was reflected.
 */
const getMetadata = Reflect.getMetadata.bind(Reflect);
Reflect.getMetadata = ((key: unknown, target: object, property?: string | symbol) =>
  getMetadata(key, target, property as string | symbol) ??
  (key === 'design:paramtypes' ? [] : undefined)) as typeof Reflect.getMetadata;
