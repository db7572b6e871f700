/** A user or item identifier as the caller knows it. `1` and `'1'` are different IDs. */
export type Id = string | number;

/**
 * External ID ↔ dense index. Either a real map (any strings or numbers, indices given in
 * order of first appearance) or the identity on [0, size) for data whose IDs are already
 * dense — then nothing is stored.
 */
export class IdMap {
  private readonly toIndex: Map<Id, number> | null;
  private readonly toId: Id[] | null;
  private denseSize: number;

  private constructor(toIndex: Map<Id, number> | null, toId: Id[] | null, denseSize: number) {
    this.toIndex = toIndex;
    this.toId = toId;
    this.denseSize = denseSize;
  }

  /** The identity map on [0, size): index = ID. */
  static dense(size: number): IdMap {
    return new IdMap(null, null, size);
  }

  /** A map over the given distinct IDs, index = position. */
  static fromIds(ids: readonly Id[]): IdMap {
    const map = new IdMap(new Map(), [], 0);
    for (const id of ids) {
      if (map.toIndex!.has(id)) throw new Error(`duplicate ID ${String(id)} in an ID list`);
      map.add(id);
    }
    return map;
  }

  /** An empty map that grows with `add`. */
  static empty(): IdMap {
    return new IdMap(new Map(), [], 0);
  }

  get isDense(): boolean {
    return this.toIndex === null;
  }

  get size(): number {
    return this.toId ? this.toId.length : this.denseSize;
  }

  /** Dense index of an ID, or -1 when unknown. */
  index(id: Id): number {
    if (this.toIndex) return this.toIndex.get(id) ?? -1;
    return typeof id === 'number' && Number.isInteger(id) && id >= 0 && id < this.denseSize ? id : -1;
  }

  /** External ID of a dense index. */
  id(index: number): Id {
    return this.toId ? this.toId[index]! : index;
  }

  /** The index of `id`, adding it at the end when new. */
  add(id: Id): number {
    if (!this.toIndex) {
      const index = id as number;
      if (index >= this.denseSize) this.denseSize = index + 1;
      return index;
    }
    let index = this.toIndex.get(id);
    if (index === undefined) {
      index = this.toId!.length;
      this.toIndex.set(id, index);
      this.toId!.push(id);
    }
    return index;
  }

  /** All IDs in index order (for a dense map, 0 … size − 1). */
  ids(): Id[] {
    if (this.toId) return this.toId.slice();
    return Array.from({ length: this.denseSize }, (_, i) => i);
  }

  clone(): IdMap {
    return this.toIndex ? new IdMap(new Map(this.toIndex), this.toId!.slice(), 0) : IdMap.dense(this.denseSize);
  }
}
