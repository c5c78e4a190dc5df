/**
 * Session ids begin with the instance id of the node that made them and a dot. That is how every
 * node tells which sessions (and presence devices) died with a node.
 */
export function sessionPrefixOf(instanceId: string): string {
  return `${instanceId}.`;
}
