import { CONNECTOR_ENTITIES } from '../connectors/entities';
import { FLEET_ENTITIES } from '../fleet/entities';
import { ENTITIES } from '../schema/db/entities';

/** Every table of the hub, for the processes that use them all (the hub, the workers, the drift check). */
export const HUB_ENTITIES = [...ENTITIES, ...CONNECTOR_ENTITIES, ...FLEET_ENTITIES];
