import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { checkTemplate, exportNames, parseCfnYaml, subPlaceholders, type Template } from '../support/cfn-check.js';

const ROOT = join(import.meta.dirname, '..', '..');
const INFRA = join(ROOT, 'infra');
const templates = readdirSync(INFRA).filter((f) => /\.ya?ml$/.test(f) && !f.includes('.asl.'));

type Res = { Type: string; Condition?: string; Properties: Record<string, any> };
const resourcesOf = (t: Template) => Object.entries(t.Resources ?? {}) as [string, Res][];

describe('the checker itself', () => {
  const bad = parseCfnYaml(`
Parameters:
  P: { Type: String }
Conditions:
  C: !Equals [!Ref P, x]
  D: !And [!Condition C, !Condition Missing]
Resources:
  A:
    Type: AWS::SNS::Topic
    DependsOn: [Ghost]
    Properties:
      TopicName: !Sub '\${P}-\${Nope}-\${B.Arn}-\${!Literal}-\${AWS::Region}'
      DisplayName: !GetAtt Ghost.Name
      Other: !If [NoSuchCondition, !Ref P, !Ref AWS::NoValue]
      Tags: [{ Key: k, Value: !Ref Missing }]
      Sub2: !Sub ['\${X}\${Y}', { X: !Ref P }]
Outputs:
  O: { Condition: Unknown, Value: !Ref A }
`);
  test('finds every dangling reference', () => {
    const problems = checkTemplate(bad);
    const expected = [
      /Conditions\.D.*Condition "Missing"/,
      /DependsOn undefined "Ghost"/,
      /\$\{Nope\} is not defined/,
      /undefined resource "B"/,
      /Fn::GetAtt of undefined resource "Ghost"/,
      /Fn::If condition "NoSuchCondition"/,
      /Ref to undefined "Missing"/,
      /\$\{Y\} is not defined/,
      /Outputs\.O: Condition "Unknown"/,
    ];
    for (const re of expected) expect(problems.some((p) => re.test(p))).toBe(true);
    expect(problems).toHaveLength(expected.length);
  });
  test('short forms become long forms', () => {
    expect(bad.Conditions?.C).toEqual({ 'Fn::Equals': [{ Ref: 'P' }, 'x'] });
    expect((bad.Resources?.A?.Properties as Record<string, unknown>).DisplayName).toEqual({
      'Fn::GetAtt': ['Ghost', 'Name'],
    });
  });
  test('placeholders skip ${!escapes}', () => {
    expect(subPlaceholders('a${X}b${!Y}c${Z.Arn}')).toEqual(['X', 'Z.Arn']);
  });
  test('an unknown tag is an error, not a silent string', () => {
    expect(() => parseCfnYaml('Resources:\n  A: { Type: X, Properties: { V: !Reff Y } }\n')).toThrow();
  });
});

describe.each(templates)('infra/%s', (file) => {
  const template = parseCfnYaml(readFileSync(join(INFRA, file), 'utf8'));
  test('is a CloudFormation template whose references all resolve', () => {
    expect(template.AWSTemplateFormatVersion).toBe('2010-09-09');
    expect(checkTemplate(template)).toEqual([]);
  });
});

describe('infra/network.yml', () => {
  const net = parseCfnYaml(readFileSync(join(INFRA, 'network.yml'), 'utf8'));
  const resources = resourcesOf(net);
  const byType = (type: string) => resources.filter(([, r]) => r.Type === type);
  const sls = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as any;

  test('exports exactly what serverless.yml imports in vpcMode=stack', () => {
    const stack = String(sls.params.default.networkStack).replace('${sls:stage}', 'prod');
    const imports = [sls.custom.vpc.stack.subnetIds, sls.custom.vpc.stack.securityGroupIds].map((v: any) =>
      String(v['Fn::Split'][1]['Fn::ImportValue']).replace('${param:networkStack}', stack),
    );
    expect(exportNames(net, stack)).toEqual(expect.arrayContaining(imports));
    expect(sls.params.default.vpcMode).toBe('stack');
  });

  test('private subnets in two AZs, and no way to the internet', () => {
    const subnets = byType('AWS::EC2::Subnet');
    expect(subnets).toHaveLength(2);
    expect(subnets.map(([, s]) => s.Properties.AvailabilityZone['Fn::Select'][0]).sort()).toEqual([0, 1]);
    for (const [, s] of subnets) expect(s.Properties.MapPublicIpOnLaunch).toBe(false);
    for (const t of [
      'AWS::EC2::InternetGateway',
      'AWS::EC2::NatGateway',
      'AWS::EC2::EgressOnlyInternetGateway',
      'AWS::EC2::Route',
    ])
      expect(byType(t)).toEqual([]);
  });

  test('site-to-site VPN: gateway attached, customer gateway from parameters, static routes for the on-prem networks, propagation to both route tables', () => {
    const [[, cgw]] = byType('AWS::EC2::CustomerGateway') as [[string, Res]];
    expect(cgw.Properties).toMatchObject({ IpAddress: { Ref: 'OnPremPublicIp' }, BgpAsn: { Ref: 'OnPremBgpAsn' } });
    expect(byType('AWS::EC2::VPCGatewayAttachment')).toHaveLength(1);
    const [[, vpn]] = byType('AWS::EC2::VPNConnection') as [[string, Res]];
    expect(vpn.Properties.StaticRoutesOnly).toEqual({ 'Fn::If': ['StaticRouting', true, false] });
    const routes = byType('AWS::EC2::VPNConnectionRoute').map(([, r]) => r.Properties.DestinationCidrBlock.Ref);
    expect(routes.sort()).toEqual(['OnPremApiCidr', 'OnPremBmcCidr']);
    const [[, propagation]] = byType('AWS::EC2::VPNGatewayRoutePropagation') as [[string, Res]];
    const tables = byType('AWS::EC2::RouteTable').map(([name]) => ({ Ref: name }));
    expect(propagation.Properties.RouteTableIds).toEqual(tables);
  });

  test('the Lambda security group: no ingress; egress only to the on-prem API/BMC ports and the endpoints', () => {
    const sg = net.Resources!.LambdaSecurityGroup as Res;
    expect(sg.Properties.SecurityGroupIngress).toBeUndefined();
    const rules = (sg.Properties.SecurityGroupEgress as any[]).map(
      (r) =>
        `${r.IpProtocol}/${r.FromPort?.Ref ?? r.FromPort}-${r.ToPort?.Ref ?? r.ToPort}->${r.CidrIp?.Ref ?? r.DestinationPrefixListId?.Ref}`,
    );
    expect(rules.sort()).toEqual(
      [
        'tcp/KeystonePort-KeystonePort->OnPremApiCidr',
        'tcp/NovaPort-NovaPort->OnPremApiCidr',
        'tcp/SecondSignalPort-SecondSignalPort->OnPremApiCidr',
        'tcp/443-443->OnPremApiCidr',
        'tcp/443-443->OnPremBmcCidr',
        'udp/623-623->OnPremBmcCidr',
        'tcp/443-443->DynamoDbPrefixListId',
      ].sort(),
    );
    const extra = byType('AWS::EC2::SecurityGroupEgress').filter(
      ([, r]) => r.Properties.GroupId.Ref === 'LambdaSecurityGroup',
    );
    expect(
      extra.map(([, r]) => `${r.Properties.FromPort}->${r.Properties.DestinationSecurityGroupId.Ref}`).sort(),
    ).toEqual(['443->EndpointSecurityGroup', '587->EndpointSecurityGroup']);
    expect(JSON.stringify(net.Resources)).not.toContain('0.0.0.0/0');
    expect(net.Parameters?.KeystonePort).toMatchObject({ Default: 5000 });
    expect(net.Parameters?.NovaPort).toMatchObject({ Default: 8774 });
  });

  test('VPC endpoints for every AWS service the Lambdas call, so no NAT is needed', () => {
    const endpoints = byType('AWS::EC2::VPCEndpoint').map(([, r]) => ({
      service: String(r.Properties.ServiceName['Fn::Sub']).replace('com.amazonaws.${AWS::Region}.', ''),
      type: r.Properties.VpcEndpointType,
      r,
    }));
    expect(endpoints.map((e) => `${e.type}:${e.service}`).sort()).toEqual(
      [
        'Gateway:dynamodb',
        'Interface:email-smtp',
        'Interface:events',
        'Interface:logs',
        'Interface:secretsmanager',
        'Interface:sns',
        'Interface:ssm',
        'Interface:states',
      ].sort(),
    );
    for (const e of endpoints.filter((x) => x.type === 'Interface')) {
      expect(e.r.Properties.PrivateDnsEnabled).toBe(true);
      expect(e.r.Properties.SubnetIds).toEqual([{ Ref: 'PrivateSubnetA' }, { Ref: 'PrivateSubnetB' }]);
    }
    // the gateway endpoint's policy only opens this stage's incident table, named as serverless.yml names it
    const ddb = endpoints.find((e) => e.service === 'dynamodb')!.r;
    const table = String(sls.resources.Resources.IncidentsTable.Properties.TableName)
      .replace('${self:service}', sls.service)
      .replace('${sls:stage}', '${Stage}');
    expect(ddb.Properties.PolicyDocument.Statement[0].Resource[0]['Fn::Sub']).toMatch(
      new RegExp(`:table/${table.replace(/[$.{}]/g, '\\$&')}$`),
    );
  });
});
