import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DYNAMO_TABLE_SPEC } from '../../lib/incidents/dynamodb.js';

/** Create the incident table as serverless.yml declares it (dynalite has no TTL: left out). */
export async function createIncidentTable(client: DynamoDBClient, name: string): Promise<void> {
  const { ttlAttribute: _ttl, ...spec } = DYNAMO_TABLE_SPEC;
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: spec.AttributeDefinitions.map((d) => ({ ...d })),
      KeySchema: spec.KeySchema.map((k) => ({ ...k })),
      GlobalSecondaryIndexes: spec.GlobalSecondaryIndexes.map((g) => ({
        ...g,
        KeySchema: g.KeySchema.map((k) => ({ ...k })),
        Projection: { ...g.Projection },
      })),
    }),
  );
}
