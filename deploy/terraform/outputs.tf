output "public_ip" {
  description = "Address of the instance; Heimdall's terraform provider watches http://<public_ip>:5001 and :5002."
  value       = aws_instance.heimdall.public_ip
}

output "simulator_url" {
  description = "Base URL of the simulator."
  value       = "http://${aws_instance.heimdall.public_ip}:${var.simulator_port}"
}

output "predictor_url" {
  description = "Base URL of the prediction service."
  value       = "http://${aws_instance.heimdall.public_ip}:${var.predictor_port}"
}

output "instance_id" {
  description = "EC2 instance id (the resource a heal replaces)."
  value       = aws_instance.heimdall.id
}
