/**
 * IAM documents the program writes: trust for one service account on one cluster (IRSA), and the
 * least each add-on needs. Pure, so tests read them as JSON.
 */

interface Statement {
  Effect: "Allow";
  Principal?: { Federated: string };
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const policy = (statements: Statement[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

/** Trust: only `system:serviceaccount:<namespace>:<serviceAccount>` of this cluster's OIDC issuer, for STS. */
export function irsaTrust(oidcArn: string, oidcUrl: string, namespace: string, serviceAccount: string): string {
  const issuer = oidcUrl.replace(/^https:\/\//, "");
  return policy([{
    Effect: "Allow",
    Principal: { Federated: oidcArn },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition: { StringEquals: { [`${issuer}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`, [`${issuer}:aud`]: "sts.amazonaws.com" } },
  }]);
}

/** Read these ECR repositories; logging in to ECR cannot be scoped to a repository. */
export function ecrReadPolicy(repositoryArns: string[]): string {
  return policy([
    { Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
    { Effect: "Allow", Action: ["ecr:BatchGetImage", "ecr:DescribeImages", "ecr:ListImages", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"], Resource: [...repositoryArns].sort() },
  ]);
}

/** The tag the load balancer controller puts on everything it creates, valued with the cluster name. */
export const LB_CLUSTER_TAG = "elbv2.k8s.aws/cluster";

/**
 * What the AWS Load Balancer Controller needs (its documented IAM policy, docs/install/iam_policy.json
 * of the controller), narrowed to this cluster where AWS allows it: what it creates must carry the
 * cluster tag with this cluster's name, and what it changes or deletes must already carry it, so
 * one cluster's controller cannot touch another's load balancers. Describe calls, listener and rule
 * edits, target registration and certificate lookup cannot be scoped by tag. WAF and Shield are
 * not granted (the chart is told not to use them).
 */
export function loadBalancerControllerPolicy(clusterName: string): string {
  const requestTagged = { StringEquals: { [`aws:RequestTag/${LB_CLUSTER_TAG}`]: clusterName } };
  const resourceTagged = { StringEquals: { [`aws:ResourceTag/${LB_CLUSTER_TAG}`]: clusterName } };
  const elb = (r: string) => `arn:aws:elasticloadbalancing:*:*:${r}`;
  const balancers = [elb("targetgroup/*/*"), elb("loadbalancer/net/*/*"), elb("loadbalancer/app/*/*")];
  return policy([
    { Effect: "Allow", Action: "iam:CreateServiceLinkedRole", Resource: "*", Condition: { StringEquals: { "iam:AWSServiceName": "elasticloadbalancing.amazonaws.com" } } },
    {
      Effect: "Allow",
      Action: [
        "ec2:DescribeAccountAttributes", "ec2:DescribeAddresses", "ec2:DescribeAvailabilityZones", "ec2:DescribeInternetGateways",
        "ec2:DescribeVpcs", "ec2:DescribeVpcPeeringConnections", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups", "ec2:DescribeInstances",
        "ec2:DescribeNetworkInterfaces", "ec2:DescribeTags", "ec2:GetCoipPoolUsage", "ec2:DescribeCoipPools", "ec2:GetSecurityGroupsForVpc",
        "ec2:DescribeIpamPools", "ec2:DescribeRouteTables",
        "elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes", "elasticloadbalancing:DescribeListeners",
        "elasticloadbalancing:DescribeListenerCertificates", "elasticloadbalancing:DescribeSSLPolicies", "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetGroupAttributes", "elasticloadbalancing:DescribeTargetHealth",
        "elasticloadbalancing:DescribeTags", "elasticloadbalancing:DescribeTrustStores", "elasticloadbalancing:DescribeListenerAttributes",
        "elasticloadbalancing:DescribeCapacityReservation",
        "acm:ListCertificates", "acm:DescribeCertificate", "iam:ListServerCertificates", "iam:GetServerCertificate", "cognito-idp:DescribeUserPoolClient",
      ],
      Resource: "*",
    },
    // Security groups: created tagged for this cluster, then changed only while they carry that tag.
    { Effect: "Allow", Action: "ec2:CreateSecurityGroup", Resource: "*" },
    { Effect: "Allow", Action: "ec2:CreateTags", Resource: "arn:aws:ec2:*:*:security-group/*", Condition: { StringEquals: { "ec2:CreateAction": "CreateSecurityGroup", [`aws:RequestTag/${LB_CLUSTER_TAG}`]: clusterName } } },
    { Effect: "Allow", Action: ["ec2:CreateTags", "ec2:DeleteTags"], Resource: "arn:aws:ec2:*:*:security-group/*", Condition: resourceTagged },
    { Effect: "Allow", Action: "ec2:DeleteSecurityGroup", Resource: "*", Condition: resourceTagged },
    // Rules on the nodes' security group (which the controller does not tag) admit load balancer traffic.
    { Effect: "Allow", Action: ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"], Resource: "*" },
    // Load balancers and target groups: the same, by the cluster tag.
    { Effect: "Allow", Action: ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"], Resource: "*", Condition: requestTagged },
    { Effect: "Allow", Action: "elasticloadbalancing:AddTags", Resource: balancers, Condition: { StringEquals: { "elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"], [`aws:RequestTag/${LB_CLUSTER_TAG}`]: clusterName } } },
    { Effect: "Allow", Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"], Resource: balancers, Condition: resourceTagged },
    {
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetIpAddressType", "elasticloadbalancing:SetSecurityGroups",
        "elasticloadbalancing:SetSubnets", "elasticloadbalancing:DeleteLoadBalancer", "elasticloadbalancing:ModifyTargetGroup",
        "elasticloadbalancing:ModifyTargetGroupAttributes", "elasticloadbalancing:DeleteTargetGroup", "elasticloadbalancing:ModifyListenerAttributes",
        "elasticloadbalancing:ModifyCapacityReservation", "elasticloadbalancing:ModifyIpPools",
      ],
      Resource: "*",
      Condition: resourceTagged,
    },
    // Listeners, rules and targets carry no cluster tag of their own.
    {
      Effect: "Allow",
      Action: [
        "elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener", "elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteRule",
        "elasticloadbalancing:ModifyListener", "elasticloadbalancing:AddListenerCertificates", "elasticloadbalancing:RemoveListenerCertificates",
        "elasticloadbalancing:ModifyRule", "elasticloadbalancing:SetRulePriorities",
      ],
      Resource: "*",
    },
    { Effect: "Allow", Action: ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"], Resource: [elb("listener/net/*/*/*"), elb("listener/app/*/*/*"), elb("listener-rule/net/*/*/*"), elb("listener-rule/app/*/*/*")] },
    { Effect: "Allow", Action: ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"], Resource: elb("targetgroup/*/*") },
  ]);
}

/**
 * ExternalDNS writes records only in the declared hosted zones; listing zones cannot be scoped
 * (it finds the zones by listing them, then keeps to its zone-id filter).
 */
export function externalDnsPolicy(hostedZoneIds: string[]): string {
  const zones = [...hostedZoneIds].sort().map((id) => `arn:aws:route53:::hostedzone/${id}`);
  return policy([
    { Effect: "Allow", Action: ["route53:ChangeResourceRecordSets", "route53:ListResourceRecordSets", "route53:ListTagsForResources"], Resource: zones },
    { Effect: "Allow", Action: ["route53:ListHostedZones"], Resource: "*" },
  ]);
}
