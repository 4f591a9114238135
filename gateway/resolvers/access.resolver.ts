import { GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Ctx, Field, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import {
  createPrincipal,
  issueKey,
  listKeys,
  listPrincipals,
  revokeKey,
  rotateKey,
  setPrincipalRoles,
} from '../../schema/access/credentials.service';
import { deletePolicy, listPolicies, setPolicy } from '../../schema/access/policy.service';
import { ApiKey, Principal, PrincipalKind } from '../../schema/access/principal.entity';
import { AccessChange, RolePolicy } from '../../schema/access/role-policy.entity';
import { ReadAudit } from '../../schema/audit/read-audit.entity';
import { queryReadAudit } from '../../schema/audit/read-audit.service';
import { queryRows } from '../../schema/common/rows';
import type { GatewayContext } from '../context';

/**
 * Administration of access: principals and their roles, API keys (the secret is in the answer of the
 * mutation that makes it, and nowhere else, ever), role policies, and the log of every change. Only roles
 * with `admin` may call these (gateway/access.ts `mayCall`).
 */

@ObjectType({ description: 'A new API key: `secret` is shown this once and never stored' })
class IssuedApiKey {
  @Field(() => ApiKey) key!: ApiKey;
  @Field(() => String) secret!: string;
}

@Resolver()
export class AccessResolver {
  @Query(() => [Principal])
  principals(@Ctx() { em }: GatewayContext): Promise<Principal[]> {
    return listPrincipals(em);
  }

  @Query(() => [ApiKey])
  apiKeys(
    @Arg('principal', () => String) principal: string,
    @Ctx() { em }: GatewayContext,
  ): Promise<ApiKey[]> {
    return listKeys(em, principal);
  }

  @Query(() => [RolePolicy])
  rolePolicies(@Ctx() { em }: GatewayContext): Promise<RolePolicy[]> {
    return listPolicies(em);
  }

  @Query(() => [AccessChange], { description: 'Changes to principals, keys and policies, newest first' })
  accessChanges(
    @Arg('first', () => Int, { defaultValue: 50 }) first: number,
    @Ctx() { em }: GatewayContext,
  ): Promise<AccessChange[]> {
    return queryRows(em, AccessChange, 'select * from access_change order by id desc limit ?', [
      Math.min(first, 500),
    ]);
  }

  @Query(() => [ReadAudit], {
    description:
      "The read audit: who read a person's records (by ID number), what a client read, in a period",
  })
  readAudit(
    @Arg('idNumber', () => String, { nullable: true }) idNumber: string | null,
    @Arg('principal', () => String, { nullable: true }) principal: string | null,
    @Arg('from', () => Date, { nullable: true }) from: Date | null,
    @Arg('to', () => Date, { nullable: true }) to: Date | null,
    @Arg('first', () => Int, { defaultValue: 200 }) first: number,
    @Ctx() { em }: GatewayContext,
  ): Promise<ReadAudit[]> {
    return queryReadAudit(em, { idNumber, principal, from, to, limit: first });
  }

  @Mutation(() => Principal)
  createPrincipal(
    @Arg('name', () => String) name: string,
    @Arg('title', () => String) title: string,
    @Arg('kind', () => PrincipalKind) kind: PrincipalKind,
    @Arg('roles', () => [String]) roles: string[],
    @Arg('unitCode', () => String, { nullable: true }) unitCode: string | null,
    @Ctx() { em, access }: GatewayContext,
  ): Promise<Principal> {
    return createPrincipal(em, access.principal, { name, title, kind, roles, unitCode });
  }

  @Mutation(() => Principal)
  setPrincipalRoles(
    @Arg('name', () => String) name: string,
    @Arg('roles', () => [String]) roles: string[],
    @Ctx() { em, access }: GatewayContext,
  ): Promise<Principal> {
    return setPrincipalRoles(em, access.principal, name, roles);
  }

  @Mutation(() => IssuedApiKey)
  issueApiKey(
    @Arg('principal', () => String) principal: string,
    @Arg('lifetimeDays', () => Int, { defaultValue: 365 }) lifetimeDays: number,
    @Ctx() { em, access }: GatewayContext,
  ): Promise<IssuedApiKey> {
    return issueKey(em, access.principal, principal, { lifetimeDays });
  }

  @Mutation(() => IssuedApiKey, { description: 'A new key; the old one stays valid for `overlapHours`' })
  rotateApiKey(
    @Arg('prefix', () => String) prefix: string,
    @Arg('overlapHours', () => Int, { defaultValue: 24 }) overlapHours: number,
    @Ctx() { em, access }: GatewayContext,
  ): Promise<IssuedApiKey> {
    return rotateKey(em, access.principal, prefix, overlapHours);
  }

  @Mutation(() => ApiKey)
  revokeApiKey(
    @Arg('prefix', () => String) prefix: string,
    @Arg('reason', () => String) reason: string,
    @Ctx() { em, access }: GatewayContext,
  ): Promise<ApiKey> {
    return revokeKey(em, access.principal, prefix, reason);
  }

  @Mutation(() => RolePolicy, { description: 'Creates or replaces a role policy; effective within a second' })
  setRolePolicy(
    @Arg('role', () => String) role: string,
    @Arg('policy', () => GraphQLJSONObject) policy: Record<string, unknown>,
    @Ctx() { em, access }: GatewayContext,
  ): Promise<RolePolicy> {
    return setPolicy(em, access.principal, role, policy);
  }

  @Mutation(() => Boolean)
  async deleteRolePolicy(
    @Arg('role', () => String) role: string,
    @Ctx() { em, access }: GatewayContext,
  ): Promise<boolean> {
    await deletePolicy(em, access.principal, role);
    return true;
  }
}

/** Root fields that only administrators may call, whatever else a role lists. */
export const ADMIN_FIELDS = new Set([
  'principals',
  'setIndicatorTarget',
  'apiKeys',
  'rolePolicies',
  'accessChanges',
  'readAudit',
  'createPrincipal',
  'setPrincipalRoles',
  'issueApiKey',
  'rotateApiKey',
  'revokeApiKey',
  'setRolePolicy',
  'deleteRolePolicy',
]);
