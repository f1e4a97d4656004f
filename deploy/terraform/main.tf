# One Heimdall target on AWS, as the earlier pipeline built it: a VPC with a
# public subnet, an instance that runs the simulator and the prediction
# service from the Heimdall image, and a security group that opens only
# their ports (and SSH, if asked) to the given address ranges.

locals {
  tags = merge({ "managed-by" = "heimdall" }, var.tags)
}

data "aws_availability_zones" "available" {
  state = "available"
}

data "aws_ami" "debian" {
  count       = var.ami_id == null ? 1 : 0
  most_recent = true
  owners      = ["136693071363"] # Debian's official AWS account.

  filter {
    name   = "name"
    values = ["debian-12-amd64-*"]
  }

  filter {
    name   = "architecture"
    values = ["x86_64"]
  }
}

resource "aws_vpc" "heimdall" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = merge(local.tags, { Name = "heimdall" })
}

resource "aws_subnet" "public" {
  vpc_id                  = aws_vpc.heimdall.id
  cidr_block              = var.subnet_cidr
  availability_zone       = data.aws_availability_zones.available.names[0]
  map_public_ip_on_launch = true
  tags                    = merge(local.tags, { Name = "heimdall-public" })
}

resource "aws_internet_gateway" "heimdall" {
  vpc_id = aws_vpc.heimdall.id
  tags   = merge(local.tags, { Name = "heimdall" })
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.heimdall.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.heimdall.id
  }

  tags = merge(local.tags, { Name = "heimdall-public" })
}

resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}

resource "aws_security_group" "heimdall" {
  name_prefix = "heimdall-"
  description = "Heimdall simulator and predictor, reachable from the controller only"
  vpc_id      = aws_vpc.heimdall.id

  ingress {
    description = "heimdall simulate"
    from_port   = var.simulator_port
    to_port     = var.simulator_port
    protocol    = "tcp"
    cidr_blocks = var.service_cidrs
  }

  ingress {
    description = "heimdall serve"
    from_port   = var.predictor_port
    to_port     = var.predictor_port
    protocol    = "tcp"
    cidr_blocks = var.service_cidrs
  }

  dynamic "ingress" {
    for_each = length(var.ssh_cidrs) > 0 ? [1] : []
    content {
      description = "SSH"
      from_port   = 22
      to_port     = 22
      protocol    = "tcp"
      cidr_blocks = var.ssh_cidrs
    }
  }

  # The instance pulls its packages and the image.
  egress {
    description = "outbound"
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }

  tags = merge(local.tags, { Name = "heimdall" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_instance" "heimdall" {
  ami                         = var.ami_id != null ? var.ami_id : data.aws_ami.debian[0].id
  instance_type               = var.instance_type
  key_name                    = var.key_name
  subnet_id                   = aws_subnet.public.id
  vpc_security_group_ids      = [aws_security_group.heimdall.id]
  associate_public_ip_address = true
  user_data_replace_on_change = true

  user_data = templatefile("${path.module}/user_data.sh.tftpl", {
    image          = var.heimdall_image
    simulator_port = var.simulator_port
    predictor_port = var.predictor_port
    token          = var.heimdall_token
  })

  metadata_options {
    http_tokens = "required" # IMDSv2 only.
  }

  root_block_device {
    volume_size = 16
    encrypted   = true
  }

  tags = merge(local.tags, { Name = "heimdall" })
}
