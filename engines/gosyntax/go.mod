// Builds the checker that answers whether Go accepts a regular expression (regexp) and a semver
// range (Masterminds/semver v3) the way Flux's image-reflector-controller parses them.
module eks-gitops/engines/gosyntax

go 1.26.0

require github.com/Masterminds/semver/v3 v3.5.0
