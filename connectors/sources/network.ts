/** The sources that read over the network: JSON APIs, SQL databases and other GraphQL services. */
export { type GraphqlConfig, graphqlSource } from './graphql';
export { type RestConfig, restSource } from './rest';
export { type SqlConfig, sqlSource } from './sql';
