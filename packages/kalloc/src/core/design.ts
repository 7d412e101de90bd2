import { invalid } from './errors.ts';

/**
 * What a design is to the family it belongs to: the kernel's current design (`new`), the one it
 * replaced (`baseline`), or another proposal a reviewer made (`alternative`).
 */
export type DesignRole = 'new' | 'baseline' | 'alternative';

/**
 * One design of an allocator family, as the family's registry lists it. The lab, replay, the
 * benchmarks and the model tests all read the registry, so adding a design is adding one entry.
 */
export interface Design<Options, Instance> {
  /** Short, stable name: `--design` values, JSON keys. */
  readonly id: string;
  /** The name tables, charts and legends show. */
  readonly label: string;
  readonly role: DesignRole;
  /** One line: which kernel design this is, and when it was the kernel's. */
  readonly summary: string;
  create(options: Options): Instance;
}

/** The design with this id, or EINVAL naming the known ones. */
export function findDesign<D extends { readonly id: string }>(registry: readonly D[], id: string, name = 'design'): D {
  const design = registry.find((d) => d.id === id);
  if (design === undefined) throw invalid(name, id, `unknown design (known: ${registry.map((d) => d.id).join(', ')})`);
  return design;
}
