/**
 * The positions of `items` grouped by a key (a Cluster node, a queue shard), each group in the
 * items' order: what a caller needs to send each group at once and put the replies back in place.
 */
export function indexGroups<T, K>(items: readonly T[], keyOf: (item: T) => K): Map<K, number[]> {
  const groups = new Map<K, number[]>();
  items.forEach((item, index) => {
    const key = keyOf(item);
    const members = groups.get(key);
    if (members) members.push(index);
    else groups.set(key, [index]);
  });
  return groups;
}
