// Plain @apollo/gateway for the federation benchmark, as its README sets it up: ApolloServer's
// standalone server over an ApolloGateway on a static supergraph, every other option its default
// (the default fetcher included). Its packages come from bench/peers/package.json (`npm run bench:install`):
//   SUPERGRAPH_PATH=… PORT=… node bench/peers/apolloGateway.mjs
import fs from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway } from '@apollo/gateway';

const gateway = new ApolloGateway({ supergraphSdl: fs.readFileSync(process.env.SUPERGRAPH_PATH, 'utf8') });
const server = new ApolloServer({ gateway });
const { url } = await startStandaloneServer(server, { listen: { port: Number(process.env.PORT ?? 4000), host: '127.0.0.1' } });
console.error(`listening ${url}`);
