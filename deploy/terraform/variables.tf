variable "region" {
  description = "AWS region to build in."
  type        = string
}

variable "key_name" {
  description = "Name of an existing EC2 key pair for SSH; null for none."
  type        = string
  default     = null
}

variable "instance_type" {
  description = "EC2 instance type of the Heimdall host."
  type        = string
  default     = "t3.small"
}

variable "ami_id" {
  description = "AMI to boot; null picks the latest Debian 12 (bookworm) amd64 image."
  type        = string
  default     = null
}

variable "vpc_cidr" {
  description = "Address range of the VPC."
  type        = string
  default     = "10.40.0.0/16"
}

variable "subnet_cidr" {
  description = "Address range of the public subnet (inside vpc_cidr)."
  type        = string
  default     = "10.40.1.0/24"
}

variable "service_cidrs" {
  description = "Who may reach the simulator (5001) and predictor (5002): the controller's addresses. No default: say who."
  type        = list(string)

  validation {
    condition     = length(var.service_cidrs) > 0 && alltrue([for c in var.service_cidrs : can(cidrhost(c, 0))])
    error_message = "service_cidrs must be a non-empty list of CIDR blocks."
  }
}

variable "ssh_cidrs" {
  description = "Who may reach SSH (22); empty closes it."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for c in var.ssh_cidrs : can(cidrhost(c, 0))])
    error_message = "ssh_cidrs must be CIDR blocks."
  }
}

variable "heimdall_image" {
  description = "Container image that holds the heimdall binary (the repository's Dockerfile)."
  type        = string
  default     = "heimdall:latest"
}

variable "simulator_port" {
  description = "Port of `heimdall simulate` on the instance."
  type        = number
  default     = 5001
}

variable "predictor_port" {
  description = "Port of `heimdall serve` on the instance."
  type        = number
  default     = 5002
}

variable "heimdall_token" {
  description = "Token required on state-changing requests (fault injection); empty for none."
  type        = string
  default     = ""
  sensitive   = true
  validation {
    # One line of the simulator's env file; spaces and quotes are fine.
    condition     = !can(regex("[\\r\\n]", var.heimdall_token))
    error_message = "heimdall_token must be a single line."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
