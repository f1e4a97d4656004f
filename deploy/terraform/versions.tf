terraform {
  required_version = ">= 1.3"

  # Local state by default (terraform.tfstate here). The Jenkins pipelines
  # pass -backend-config="path=..." so both share one state file; a team
  # replaces this with its remote backend (s3 with locking, ...).
  backend "local" {}

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

provider "aws" {
  region = var.region
}
